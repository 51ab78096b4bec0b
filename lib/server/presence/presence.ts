/**
 * Presence: per room, the users online, with their connections summed over
 * every isolate.
 *
 * Each isolate counts its own connections and announces a user's count in a
 * room when it changes (one user, not the room: a join costs the same in a
 * room of a thousand as in a room of two), and its whole share of each room
 * every `announceMs`; peers keep a share until `expiryMs` after they last heard
 * from it, so the users of an isolate that dies without a goodbye stop counting
 * within the expiry. A user's first
 * connection anywhere joins at once; when their last one goes, the leave waits
 * `leaveDelayMs`, and a connection that comes back in that time (a page reload)
 * cancels it, so nobody flickers. Presence is best-effort: it rides the bus's
 * ephemeral events (topic `presence`), which are not logged.
 *
 * @example
 * ```ts
 * const presence = createPresence({ events, clock: createSystemClock() });
 * presence.onChange(({ room, joins, leaves }) => console.log(room, joins, leaves));
 * presence.connect("general", { id: "u1", name: "ada", role: "user" }); // joins: [ada]
 * presence.list("general"); // [{ id: "u1", name: "ada", role: "user" }]
 * presence.close();
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { EventBus, PresenceAnnouncement, UserShare } from "../bus/mod.ts";

/** Users who came online in a room, and users who left it. */
export interface PresenceChange {
  room: string;
  joins: PublicUser[];
  leaves: PublicUser[];
}

/** Options of {@linkcode createPresence}. */
export interface PresenceOptions {
  /** How presence reaches the other isolates. */
  events: EventBus;
  clock: Clock;
  /** This isolate's name in announcements. Default: a random UUID. */
  isolate?: string;
  /** How often this isolate repeats its shares. Default 5 000 ms. */
  announceMs?: number;
  /** How long a share counts after it was last heard. Default 3 × `announceMs`. */
  expiryMs?: number;
  /** How long a last connection must stay gone before the user leaves. Default 3 000 ms. */
  leaveDelayMs?: number;
}

/** This isolate's view of presence in every room. */
export interface Presence {
  /** A connection of `user` entered `room` here. */
  connect(room: string, user: PublicUser): void;
  /** A connection of `user` left `room` here. */
  disconnect(room: string, user: PublicUser): void;
  /** The users online in `room` (a leaving user until the leave is announced), sorted by name. */
  list(room: string): PublicUser[];
  /** Listens to joins and leaves; returns the unsubscribe. */
  onChange(listener: (change: PresenceChange) => void): () => void;
  /** Drops the peers' shares that expired now, rather than at the next tick; returns how many. */
  pruneExpired(): number;
  /** Stops the timers and tells the peers this isolate's connections are gone. */
  close(): void;
}

interface RemoteShare {
  /** user id → that isolate's connections. */
  users: Map<string, UserShare>;
  expiresAt: number;
}

/** The users shown online in a room: by id, and sorted as `list` returns them. */
interface RoomView {
  byId: Map<string, PublicUser>;
  sorted: PublicUser[];
}

const byNameThenId = (a: PublicUser, b: PublicUser) =>
  a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/** Where `user` is, or belongs, in `sorted` (binary search). */
function sortedIndex(sorted: PublicUser[], user: PublicUser): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byNameThenId(sorted[middle], user) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Creates a {@linkcode Presence} and asks the peers for their shares. */
export function createPresence(options: PresenceOptions): Presence {
  const { events, clock } = options;
  const isolate = options.isolate ?? crypto.randomUUID();
  const announceMs = options.announceMs ?? 5_000;
  const expiryMs = options.expiryMs ?? 3 * announceMs;
  const leaveDelayMs = options.leaveDelayMs ?? 3_000;

  /** room → user id → this isolate's connections. */
  const local = new Map<string, Map<string, UserShare>>();
  /** room → isolate → its share. */
  const remote = new Map<string, Map<string, RemoteShare>>();
  /** room → the users announced to listeners. */
  const online = new Map<string, RoomView>();
  /** room → user id → the timer of a pending leave. */
  const leaving = new Map<string, Map<string, TimerId>>();
  const listeners = new Set<(change: PresenceChange) => void>();
  let state: "running" | "closed" = "running";

  const notify = (change: PresenceChange) => {
    for (const listener of listeners) listener(change);
  };

  const inner = <V>(outer: Map<string, Map<string, V>>, room: string): Map<string, V> => {
    let map = outer.get(room);
    if (!map) outer.set(room, map = new Map());
    return map;
  };

  /** Whether any isolate (a live share) counts a connection of `userId` in `room`. */
  const isPresent = (room: string, userId: string): boolean => {
    if (local.get(room)?.has(userId)) return true;
    const now = clock.now();
    for (const { users, expiresAt } of remote.get(room)?.values() ?? []) {
      if (expiresAt > now && users.has(userId)) return true;
    }
    return false;
  };

  const show = (room: string, user: PublicUser) => {
    let view = online.get(room);
    if (!view) online.set(room, view = { byId: new Map(), sorted: [] });
    view.byId.set(user.id, user);
    view.sorted.splice(sortedIndex(view.sorted, user), 0, user);
  };

  const hide = (room: string, view: RoomView, user: PublicUser) => {
    view.byId.delete(user.id);
    view.sorted.splice(sortedIndex(view.sorted, user), 1);
    if (view.byId.size === 0) online.delete(room);
  };

  const finishLeave = (room: string, userId: string) => {
    leaving.get(room)?.delete(userId);
    if (isPresent(room, userId)) return;
    const view = online.get(room);
    const user = view?.byId.get(userId);
    if (!view || !user) return;
    hide(room, view, user);
    notify({ room, joins: [], leaves: [user] });
  };

  /** Brings the announced view of `users` in `room` in line with who is present. */
  const reconcile = (room: string, users: Iterable<PublicUser>) => {
    const pending = inner(leaving, room);
    const joins: PublicUser[] = [];
    for (const { id, name, role } of users) {
      const timer = pending.get(id);
      const shown = online.get(room)?.byId.has(id) === true;
      if (isPresent(room, id)) {
        if (timer !== undefined) {
          clock.clearTimeout(timer);
          pending.delete(id);
        }
        if (!shown) {
          show(room, { id, name, role });
          joins.push({ id, name, role });
        }
      } else if (shown && timer === undefined) {
        pending.set(id, clock.setTimeout(() => finishLeave(room, id), leaveDelayMs));
      }
    }
    if (pending.size === 0) leaving.delete(room);
    if (joins.length > 0) notify({ room, joins, leaves: [] });
  };

  const announce = (room: string) => {
    const users = [...(local.get(room)?.values() ?? [])];
    events.emit("presence", { kind: "share", isolate, room, users });
  };

  const announceUser = (room: string, user: PublicUser, connections: number) => {
    events.emit("presence", {
      kind: "user",
      isolate,
      room,
      user: { id: user.id, name: user.name, role: user.role, connections },
    });
  };

  const receive = (announcement: PresenceAnnouncement) => {
    // The bus echoes this isolate's own announcements back.
    if (state === "closed" || announcement.isolate === isolate) return;
    if (announcement.kind === "sync") {
      for (const room of local.keys()) announce(room);
      return;
    }
    const { room } = announcement;
    const shares = inner(remote, room);
    const expiresAt = clock.now() + expiryMs;
    if (announcement.kind === "user") {
      const { user } = announcement;
      const share = shares.get(announcement.isolate) ?? { users: new Map(), expiresAt };
      share.expiresAt = expiresAt;
      if (user.connections > 0) share.users.set(user.id, user);
      else share.users.delete(user.id);
      if (share.users.size > 0) shares.set(announcement.isolate, share);
      else shares.delete(announcement.isolate);
      if (shares.size === 0) remote.delete(room);
      reconcile(room, [user]);
      return;
    }
    const before = shares.get(announcement.isolate)?.users.values() ?? [];
    if (announcement.users.length === 0) shares.delete(announcement.isolate);
    else {
      const users = new Map(announcement.users.map((user) => [user.id, user]));
      shares.set(announcement.isolate, { users, expiresAt });
    }
    if (shares.size === 0) remote.delete(room);
    reconcile(room, [...before, ...announcement.users]);
  };

  const dropExpired = (): number => {
    const now = clock.now();
    let dropped = 0;
    for (const [room, shares] of remote) {
      for (const [peer, share] of shares) {
        if (share.expiresAt > now) continue;
        shares.delete(peer);
        if (shares.size === 0) remote.delete(room);
        reconcile(room, share.users.values());
        dropped++;
      }
    }
    return dropped;
  };

  const stopListening = events.on("presence", receive);
  const ticker = clock.setInterval(() => {
    for (const room of local.keys()) announce(room);
    dropExpired();
  }, announceMs);
  events.emit("presence", { kind: "sync", isolate });

  return {
    connect(room, user) {
      if (state === "closed") return;
      const users = inner(local, room);
      const share = users.get(user.id);
      if (share) share.connections++;
      else users.set(user.id, { id: user.id, name: user.name, role: user.role, connections: 1 });
      announceUser(room, user, share?.connections ?? 1);
      reconcile(room, [user]);
    },

    disconnect(room, user) {
      const users = local.get(room);
      const share = users?.get(user.id);
      if (state === "closed" || !users || !share) return;
      share.connections--;
      if (share.connections === 0) users.delete(user.id);
      if (users.size === 0) local.delete(room);
      announceUser(room, user, share.connections);
      reconcile(room, [user]);
    },

    list(room) {
      return online.get(room)?.sorted.slice() ?? [];
    },

    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    pruneExpired: dropExpired,

    close() {
      if (state === "closed") return;
      state = "closed";
      clock.clearInterval(ticker);
      for (const timers of leaving.values()) timers.forEach((timer) => clock.clearTimeout(timer));
      const rooms = [...local.keys()];
      local.clear();
      rooms.forEach(announce);
      stopListening();
      listeners.clear();
    },
  };
}
