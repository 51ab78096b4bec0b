/**
 * Guests hold their name while they are active, so that two people never show
 * under one name: a guest's hold lasts `holdMs` (24 h by default) after its
 * last sign-in or token refresh, and while it lasts neither another guest nor a
 * new account may take the name or one that looks like it. The hold is keyed
 * by the name's confusable skeleton (`confusables.ts`), so `zed`, `ZED` and a
 * look-alike are one hold, exactly as accounts are unique by skeleton.
 *
 * The holds are kept by the `AccountStore` (`account_store.ts`), which deletes lapsed ones
 * lazily (KV's `expireIn`, PostgreSQL on later claims), so every reader also
 * compares `until` with its clock ({@linkcode isActiveHold}).
 *
 * @example
 * ```ts
 * const hold = await store.guestHold(skeletonOf("zed"));
 * if (isActiveHold(hold, Date.now())) console.log(`${hold.name} is here`);
 * ```
 */

/** A guest's hold on a name. */
export interface GuestNameHold {
  guestId: string;
  /** As shown (NFKC). */
  name: string;
  /** Case-folded, as names are unique by (`nameKey`). */
  key: string;
  /** When the hold lapses unless the guest is active again. */
  until: number;
}

/**
 * Whether `hold` still holds its name at `now`.
 *
 * @example
 * ```ts
 * isActiveHold({ guestId: "guest:1", name: "zed", key: "zed", until: 10 }, 5); // true
 * ```
 */
export function isActiveHold(hold: GuestNameHold | null, now: number): hold is GuestNameHold {
  return hold !== null && hold.until > now;
}
