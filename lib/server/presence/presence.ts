/**
 * Presence: per room, the users online, with their connections summed over
 * every isolate.
 *
 * Each isolate counts its own connections and announces its share of a room
 * when it changes and again every `announceMs`; peers keep a share until
 * `expiryMs` after they last heard it, so the users of an isolate that dies
 * without a goodbye stop counting within the expiry. A user's first
 * connection anywhere joins at once; when their last one goes, the leave waits
 * `leaveDelayMs`, and a connection that comes back in that time (a page reload)
 * cancels it, so nobody flickers. Presence is best-effort: it rides the bus's
 * ephemeral events, which are not logged.
 *
 * @example
 * ```ts
 * const presence = createPresence({ link: bus, clock: createSystemClock() });
 * presence.onChange(({ room, joins, leaves }) => console.log(room, joins, leaves));
 * presence.connect("general", { id: "u1", name: "ada" }); // joins: [ada]
 * presence.list("general"); // [{ id: "u1", name: "ada" }]
 * presence.close();
 * ```
 */
import { z } from "zod";
import { PublicUser } from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";

/** How presence reaches the other isolates; a {@linkcode Bus} is one. */
export interface PresenceLink {
  emit(topic: string, data: unknown): void;
  on(topic: string, listener: (data: unknown) => void): () => void;
}

/** Users who came online in a room, and users who left it. */
export interface PresenceChange {
  room: string;
  joins: PublicUser[];
  leaves: PublicUser[];
}

/** Options of {@linkcode createPresence}. */
export interface PresenceOptions {
  link: PresenceLink;
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

/** The bus topic presence travels on. */
export const PRESENCE_TOPIC = "presence";

const UserShare = PublicUser.extend({ connections: z.number().int().positive() });
type UserShare = z.infer<typeof UserShare>;

const Announcement = z.discriminatedUnion("kind", [
  // An isolate's connections in a room; an empty list withdraws its share.
  z.object({
    kind: z.literal("share"),
    isolate: z.string(),
    room: z.string(),
    users: z.array(UserShare),
  }),
  // A new isolate asks every peer for its shares, so its view is whole at once.
  z.object({ kind: z.literal("sync"), isolate: z.string() }),
]);
type Announcement = z.infer<typeof Announcement>;

interface RemoteShare {
  users: UserShare[];
  expiresAt: number;
}

/** Creates a {@linkcode Presence} and asks the peers for their shares. */
export function createPresence(options: PresenceOptions): Presence {
  const { link, clock } = options;
  const isolate = options.isolate ?? crypto.randomUUID();
  const announceMs = options.announceMs ?? 5_000;
  const expiryMs = options.expiryMs ?? 3 * announceMs;
  const leaveDelayMs = options.leaveDelayMs ?? 3_000;

  /** room → user id → this isolate's connections. */
  const local = new Map<string, Map<string, UserShare>>();
  /** room → isolate → its share. */
  const remote = new Map<string, Map<string, RemoteShare>>();
  /** room → user id → user, as announced to listeners. */
  const online = new Map<string, Map<string, PublicUser>>();
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

  const totals = (room: string): Map<string, UserShare> => {
    const sum = new Map<string, UserShare>();
    const add = (share: UserShare) => {
      const seen = sum.get(share.id);
      sum.set(share.id, { ...share, connections: (seen?.connections ?? 0) + share.connections });
    };
    for (const share of local.get(room)?.values() ?? []) add(share);
    const now = clock.now();
    for (const { users, expiresAt } of remote.get(room)?.values() ?? []) {
      if (expiresAt > now) users.forEach(add);
    }
    return sum;
  };

  const finishLeave = (room: string, userId: string) => {
    leaving.get(room)?.delete(userId);
    if (totals(room).has(userId)) return;
    const user = online.get(room)?.get(userId);
    if (!user) return;
    online.get(room)!.delete(userId);
    if (online.get(room)!.size === 0) online.delete(room);
    notify({ room, joins: [], leaves: [user] });
  };

  /** Brings the announced view of `room` in line with the current totals. */
  const reconcile = (room: string) => {
    const present = totals(room);
    const shown = inner(online, room);
    const pending = inner(leaving, room);
    const joins: PublicUser[] = [];
    for (const { id, name } of present.values()) {
      const timer = pending.get(id);
      if (timer !== undefined) {
        clock.clearTimeout(timer);
        pending.delete(id);
      }
      if (!shown.has(id)) {
        shown.set(id, { id, name });
        joins.push({ id, name });
      }
    }
    for (const id of shown.keys()) {
      if (!present.has(id) && !pending.has(id)) {
        pending.set(id, clock.setTimeout(() => finishLeave(room, id), leaveDelayMs));
      }
    }
    if (joins.length > 0) notify({ room, joins, leaves: [] });
  };

  const announce = (room: string) => {
    const users = [...(local.get(room)?.values() ?? [])];
    link.emit(PRESENCE_TOPIC, { kind: "share", isolate, room, users } satisfies Announcement);
  };

  const receive = (data: unknown) => {
    const parsed = Announcement.safeParse(data);
    if (!parsed.success || parsed.data.isolate === isolate || state === "closed") return;
    const announcement = parsed.data;
    if (announcement.kind === "sync") {
      for (const room of local.keys()) announce(room);
      return;
    }
    const shares = inner(remote, announcement.room);
    if (announcement.users.length === 0) shares.delete(announcement.isolate);
    else {
      shares.set(announcement.isolate, {
        users: announcement.users,
        expiresAt: clock.now() + expiryMs,
      });
    }
    reconcile(announcement.room);
  };

  const dropExpired = (): number => {
    const now = clock.now();
    let dropped = 0;
    for (const [room, shares] of remote) {
      const before = shares.size;
      for (const [peer, share] of shares) if (share.expiresAt <= now) shares.delete(peer);
      if (shares.size === 0) remote.delete(room);
      if (shares.size !== before) reconcile(room);
      dropped += before - shares.size;
    }
    return dropped;
  };

  const stopListening = link.on(PRESENCE_TOPIC, receive);
  const ticker = clock.setInterval(() => {
    for (const room of local.keys()) announce(room);
    dropExpired();
  }, announceMs);
  link.emit(PRESENCE_TOPIC, { kind: "sync", isolate } satisfies Announcement);

  return {
    connect(room, user) {
      if (state === "closed") return;
      const users = inner(local, room);
      const connections = (users.get(user.id)?.connections ?? 0) + 1;
      users.set(user.id, { id: user.id, name: user.name, connections });
      announce(room);
      reconcile(room);
    },

    disconnect(room, user) {
      const users = local.get(room);
      const share = users?.get(user.id);
      if (state === "closed" || !users || !share) return;
      if (share.connections > 1) {
        users.set(user.id, { ...share, connections: share.connections - 1 });
      } else users.delete(user.id);
      announce(room);
      if (users.size === 0) local.delete(room);
      reconcile(room);
    },

    list(room) {
      return [...(online.get(room)?.values() ?? [])]
        .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
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
