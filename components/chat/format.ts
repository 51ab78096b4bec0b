/**
 * Words and times for the chat: message times, day separators, "X is typing…"
 * and countdowns. Times are in the viewer's time zone.
 *
 * @example
 * ```ts
 * dayLabel(Date.now(), Date.now()); // "Today"
 * typingText(["ada", "bob"]);        // "ada and bob are typing…"
 * countLabel(1284);                  // "1 284" (a no-break space between thousands)
 * ```
 */

/** `14:05`, in the viewer's locale. */
export function timeLabel(ts: number): string {
  return new Date(ts).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

/** A key equal for two times on the same local calendar day. */
export function dayKey(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Today", "Yesterday", or the date, for a day separator. */
export function dayLabel(ts: number, now: number): string {
  if (dayKey(ts) === dayKey(now)) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1);
  if (dayKey(ts) === dayKey(yesterday.getTime())) return "Yesterday";
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear();
  return new Date(ts).toLocaleDateString(undefined, {
    weekday: "long",
    month: "long",
    day: "numeric",
    ...(sameYear ? {} : { year: "numeric" }),
  });
}

/**
 * Who is typing, in words; empty when nobody is. `more` is how many others
 * type besides those named (a big room names at most three).
 */
export function typingText(names: readonly string[], more = 0): string {
  if (names.length === 0 && more === 0) return "";
  if (more > 0) {
    const others = `${countLabel(more)} ${more === 1 ? "other" : "others"}`;
    return names.length === 0
      ? `${others} are typing…`
      : `${names.join(", ")} and ${others} are typing…`;
  }
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** A count with its thousands apart, the same in every locale: `1 284`. */
export function countLabel(count: number): string {
  return String(count).replace(/\B(?=(\d{3})+$)/g, "\u00a0");
}

/** Whole seconds left until `at` (at least 1 while in the future, else 0). */
export function secondsUntil(at: number, now: number): number {
  return at <= now ? 0 : Math.max(1, Math.ceil((at - now) / 1000));
}
