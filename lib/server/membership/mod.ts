/**
 * Membership: what the server keeps about rooms besides their log — each
 * room's metadata (public, private or a direct message; its owner; a direct
 * message's people), its members and their part in it, member counts, and
 * invitations — behind one store interface (`membership_store.ts`) with a
 * Deno KV engine (`kv_membership_store.ts`, keys in `keys.ts`) and a
 * PostgreSQL one (`pg_membership_store.ts`). Who may do what with these facts
 * is `../rooms`' access check.
 *
 * Imports `../store` (the log's keys, to tell a taken room name; the retry on
 * a lock) and `../postgres`, besides `lib/protocol`.
 *
 * @example
 * ```ts
 * import { createKvMembershipStore } from "./mod.ts";
 * const memberships = createKvMembershipStore({ kv });
 * await memberships.roomsOf("user:ada", { limit: 100 }); // { rooms: ["general"], frontier: null }
 * ```
 */
export * from "./keys.ts";
export * from "./membership_store.ts";
export * from "./kv_membership_store.ts";
export * from "./pg_membership_store.ts";
