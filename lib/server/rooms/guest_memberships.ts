/**
 * A guest is a member of the public rooms it joins only while it is someone:
 * once its identity has expired (no token refresh for `GUEST_IDLE_TTL_S`, or
 * it signed out), its memberships end, so member records and counts do not
 * grow with every guest who ever passed by. A guest is alive while it holds
 * its name (`../accounts`' guest name holds, renewed at every refresh), which
 * `isActiveGuest` answers.
 *
 * One instance at a time sweeps (the lease `guest_memberships`): every
 * `intervalMs` it reads the next `batch` of guests' memberships by user id,
 * asks once per guest whether it is alive, and ends the memberships of those
 * who are not, telling every instance (`membership_changed`, so a socket of
 * the guest still open leaves the room). The pass resumes where the last
 * ended and starts over after the last guest, so each membership is looked at
 * once per round; a round costs one read per membership and one per guest.
 *
 * @example
 * ```ts
 * const sweep = createGuestMembershipSweep({
 *   memberships,
 *   notices: createMembershipEvents(cluster.events),
 *   isActiveGuest: async (user, now) => (await accounts.resolve(user.name, now))?.id === user.id,
 *   lease: cluster.lease("guest_memberships"),
 *   clock,
 * });
 * sweep.start();
 * await sweep.sweep(); // 3: memberships ended now
 * sweep.stop();
 * ```
 */
import type { PublicUser } from "../../protocol/mod.ts";
import type { Clock, TimerId } from "../../time/clock.ts";
import type { Lease } from "../cluster/mod.ts";
import type { MembershipCursor, MembershipStore } from "../membership/mod.ts";
import type { MembershipEvents } from "./membership_events.ts";

/** Every guest's user id starts with this (`/api/guest` makes them). */
export const GUEST_ID_PREFIX = "guest:";

/** The lease that elects the instance sweeping guests' memberships. */
export const GUEST_MEMBERSHIPS_LEASE = "guest_memberships";

/** Options of {@linkcode createGuestMembershipSweep}. */
export interface GuestMembershipSweepOptions {
  memberships: MembershipStore;
  notices: Pick<MembershipEvents, "changed">;
  /** Whether the guest `user` is still someone at `now`. */
  isActiveGuest(user: PublicUser, now: number): Promise<boolean>;
  /** Held by the one instance that sweeps. */
  lease: Lease;
  clock: Clock;
  /** Between two passes. Default 60 s. */
  intervalMs?: number;
  /** Memberships one pass reads at most. Default 500. */
  batch?: number;
  /** A pass that failed (the store did not answer). Default: `console.error`. */
  onError?: (error: unknown) => void;
}

/** The sweep, run by its timer once started. */
export interface GuestMembershipSweep {
  /** One pass, if this instance holds the lease: resolves with how many memberships it ended. */
  sweep(): Promise<number>;
  start(): void;
  stop(): void;
}

/** Creates the {@linkcode GuestMembershipSweep}; nothing runs until `start`. */
export function createGuestMembershipSweep(
  options: GuestMembershipSweepOptions,
): GuestMembershipSweep {
  const { memberships, notices, isActiveGuest, lease, clock } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  const batch = options.batch ?? 500;
  const onError = options.onError ?? console.error;
  let cursor: MembershipCursor | undefined;
  let timer: TimerId | undefined;
  let running: Promise<number> | null = null;

  const pass = async (): Promise<number> => {
    if (!await lease.acquire()) return 0;
    const page = await memberships.membershipsByUserPrefix(GUEST_ID_PREFIX, {
      after: cursor,
      limit: batch,
    });
    cursor = page.next ?? undefined;
    const now = clock.now();
    const alive = new Map<string, Promise<boolean>>();
    let ended = 0;
    for (const { room, membership: { user } } of page.memberships) {
      if (!alive.has(user.id)) alive.set(user.id, isActiveGuest(user, now));
      if (await alive.get(user.id)) continue;
      // Null when it ended meanwhile (the guest left, or another sweep): nothing to tell.
      if (await memberships.removeMember(room, user.id)) {
        notices.changed(user.id, room, false, "left");
        ended++;
      }
    }
    return ended;
  };

  // One pass at a time: a slow store never stacks them up.
  const sweep = () => running ??= pass().finally(() => running = null);

  return {
    sweep,
    start() {
      timer ??= clock.setInterval(() => sweep().catch(onError), intervalMs);
    },
    stop() {
      if (timer !== undefined) clock.clearInterval(timer);
      timer = undefined;
    },
  };
}
