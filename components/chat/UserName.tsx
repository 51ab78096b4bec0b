import type { PublicUser } from "../../lib/protocol/frames.ts";

/** Whether `user` is a guest (not an account). */
export function isGuest(user: Pick<PublicUser, "role"> | null | undefined): boolean {
  return user?.role === "guest";
}

/**
 * A name as the chat shows it everywhere: a guest's with a "guest" tag
 * beside it, so a guest "bob" never passes for the registered bob.
 */
export function UserName({ user, class: className }: { user: PublicUser; class?: string }) {
  return (
    <>
      <span class={className}>{user.name}</span>
      {isGuest(user) && <span class="guest-tag">guest</span>}
    </>
  );
}

/** A name in running text ("ada", "zed (guest)"), for lines of words like "… is typing". */
export function nameInWords(user: PublicUser): string {
  return isGuest(user) ? `${user.name} (guest)` : user.name;
}
