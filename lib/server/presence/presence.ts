/**
 * Presence: per room, the users online, with their connections summed over
 * every instance of the cluster.
 *
 * Each instance counts its own connections and shares a user's count in a
 * room when it changes, under the key `room user-id` of the cluster's
 * `presence` shares (`../cluster`): one user, not the room, so a join costs
 * the same in a room of a thousand as in a room of two, and at most one
 * publication per user and room a second. The other instances' counts come
 * from the same shares, and an instance that dies without a goodbye stops
 * counting when its heartbeat expires. A user's first connection anywhere
 * joins at once; when their last one goes, the leave waits `leaveDelayMs`, and
 * a connection that comes back in that time (a page reload) cancels it, so
 * nobody flickers. Presence is best-effort: it is never stored with the log.
 *
 * Each room's users are kept sorted by name as they come and go
 * (`sorted_users.ts`), so a join or a leave costs the same in a room of ten
 * thousand as in a room of two, and a page of them is read without sorting.
 *
 * @example
 * ```ts
 * const presence = createPresence({ shares: presenceShares(cluster), clock: createSystemClock() });
 * presence.onChange(({ room, joins, leaves }) => console.log(room, joins, leaves));
 * presence.connect("general", { id: "u1", name: "ada", role: "user" }); // joins: [ada]
 * presence.count("general"); // 1
 * presence.page("general", { limit: 100 }); // { users: [{ id: "u1", name: "ada", role: "user" }], next: null }
 * presence.close();
 * ```
 */
import { z } from "zod";
import { PublicUser } from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { Cluster, KeyedShares, ShareChange } from "../cluster/mod.ts";
import {
  createSortedUsers,
  type SortedUsers,
  type UsersPage,
  type UsersPageQuery,
} from "./sorted_users.ts";

/** What an instance shares of one user in one room: the user, and its connections there. */
export const PresenceShare = z.object({
  user: PublicUser,
  connections: z.number().int().positive(),
});
export type PresenceShare = z.infer<typeof PresenceShare>;

/** The cluster's shares presence is kept in, and how often a key may be published. */
export const PRESENCE_SPACE = "presence";
export const PRESENCE_MIN_INTERVAL_MS = 1_000;

/**
 * The presence shares of a cluster.
 *
 * @example
 * ```ts
 * const presence = createPresence({ shares: presenceShares(cluster), clock });
 * ```
 */
export function presenceShares(cluster: Pick<Cluster, "keyedShares">): KeyedShares<PresenceShare> {
  return cluster.keyedShares(PRESENCE_SPACE, {
    schema: PresenceShare,
    minIntervalMs: PRESENCE_MIN_INTERVAL_MS,
  });
}

/** Users who came online in a room, and users who left it. */
export interface PresenceChange {
  room: string;
  joins: PublicUser[];
  leaves: PublicUser[];
}

/** Options of {@linkcode createPresence}. */
export interface PresenceOptions {
  /** Where this instance shares its counts, and hears the others'. */
  shares: KeyedShares<PresenceShare>;
  clock: Clock;
  /** How long a last connection must stay gone before the user leaves. Default 3 000 ms. */
  leaveDelayMs?: number;
}

/** This instance's view of presence in every room. */
export interface Presence {
  /** A connection of `user` entered `room` here. */
  connect(room: string, user: PublicUser): void;
  /** A connection of `user` left `room` here. */
  disconnect(room: string, user: PublicUser): void;
  /** How many users are online in `room` (a leaving user until the leave is announced). */
  count(room: string): number;
  /** A page of the users online in `room`, by name (`sorted_users.ts` has the order). */
  page(room: string, query: UsersPageQuery): UsersPage;
  /** Listens to joins and leaves; returns the unsubscribe. */
  onChange(listener: (change: PresenceChange) => void): () => void;
  /** Stops the timers and stops listening. */
  close(): void;
}

/** The users shown online in a room: by id, and sorted by name. */
interface RoomView {
  byId: Map<string, PublicUser>;
  sorted: SortedUsers;
}

/** The shares' key of `userId` in `room` (room names have no spaces). */
function shareKey(room: string, userId: string): string {
  return `${room} ${userId}`;
}

/** Creates a {@linkcode Presence} over the cluster's presence shares. */
export function createPresence(options: PresenceOptions): Presence {
  const { shares, clock } = options;
  const leaveDelayMs = options.leaveDelayMs ?? 3_000;

  /** room → user id → this instance's connections. */
  const local = new Map<string, Map<string, PresenceShare>>();
  /** room → user id → the instances that count them. */
  const remote = new Map<string, Map<string, Set<string>>>();
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

  /** Whether any instance counts a connection of `userId` in `room`. */
  const isPresent = (room: string, userId: string): boolean =>
    local.get(room)?.has(userId) === true || (remote.get(room)?.get(userId)?.size ?? 0) > 0;

  const show = (room: string, user: PublicUser) => {
    let view = online.get(room);
    if (!view) online.set(room, view = { byId: new Map(), sorted: createSortedUsers() });
    view.byId.set(user.id, user);
    view.sorted.add(user);
  };

  const hide = (room: string, view: RoomView, user: PublicUser) => {
    view.byId.delete(user.id);
    view.sorted.delete(user);
    if (view.byId.size === 0) online.delete(room);
  };

  const finishLeave = (room: string, userId: string) => {
    leaving.get(room)?.delete(userId);
    if (leaving.get(room)?.size === 0) leaving.delete(room);
    if (isPresent(room, userId)) return;
    const view = online.get(room);
    const user = view?.byId.get(userId);
    if (!view || !user) return;
    hide(room, view, user);
    notify({ room, joins: [], leaves: [user] });
  };

  /** Brings the announced view of `user` in `room` in line with whether anyone counts them. */
  const reconcile = (room: string, user: PublicUser) => {
    const pending = leaving.get(room);
    const timer = pending?.get(user.id);
    const shown = online.get(room)?.byId.has(user.id) === true;
    if (isPresent(room, user.id)) {
      if (timer !== undefined) {
        clock.clearTimeout(timer);
        pending!.delete(user.id);
        if (pending!.size === 0) leaving.delete(room);
      }
      if (!shown) {
        const shownUser = { ...user };
        show(room, shownUser);
        notify({ room, joins: [shownUser], leaves: [] });
      }
    } else if (shown && timer === undefined) {
      inner(leaving, room).set(
        user.id,
        clock.setTimeout(() => finishLeave(room, user.id), leaveDelayMs),
      );
    }
  };

  const heard = ({ instance, key, value }: ShareChange<PresenceShare>) => {
    if (state === "closed") return;
    const space = key.indexOf(" ");
    if (space <= 0) return;
    const room = key.slice(0, space);
    const userId = key.slice(space + 1);
    const users = inner(remote, room);
    let instances = users.get(userId);
    if (value) {
      if (!instances) users.set(userId, instances = new Set());
      instances.add(instance);
    } else if (instances) {
      instances.delete(instance);
      if (instances.size === 0) users.delete(userId);
      if (users.size === 0) remote.delete(room);
    }
    const user = value?.user ?? online.get(room)?.byId.get(userId);
    if (user && user.id === userId) reconcile(room, user);
  };

  const stopListening = shares.onChange(heard);

  // A copy: the count held here changes after it is handed over.
  const share = (room: string, user: PublicUser, count: PresenceShare | undefined) =>
    shares.set(shareKey(room, user.id), count ? { ...count } : null);

  return {
    connect(room, user) {
      if (state === "closed") return;
      const users = inner(local, room);
      const count = users.get(user.id);
      if (count) count.connections++;
      else users.set(user.id, { user: { ...user }, connections: 1 });
      share(room, user, users.get(user.id));
      reconcile(room, user);
    },

    disconnect(room, user) {
      const users = local.get(room);
      const count = users?.get(user.id);
      if (state === "closed" || !users || !count) return;
      count.connections--;
      if (count.connections === 0) users.delete(user.id);
      if (users.size === 0) local.delete(room);
      share(room, user, users.get(user.id));
      reconcile(room, user);
    },

    count: (room) => online.get(room)?.byId.size ?? 0,

    page: (room, query) => online.get(room)?.sorted.page(query) ?? { users: [], next: null },

    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },

    close() {
      if (state === "closed") return;
      state = "closed";
      stopListening();
      for (const timers of leaving.values()) timers.forEach((timer) => clock.clearTimeout(timer));
      leaving.clear();
      listeners.clear();
    },
  };
}
