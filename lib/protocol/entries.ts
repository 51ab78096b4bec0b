/**
 * The kinds of room log entries (second edition) and their bounds, as plain
 * values: the zod schemas (`./frames.ts`), the browser's checks
 * (`./guards.ts`), the fold (`./fold.ts`) and the server all read them here.
 *
 * Every change to a room is an entry of its log with the room's next seq: a
 * `text` entry is a message (a `message` frame without `kind` is one too);
 * `edit`, `delete` and `reaction` entries change the text entry they
 * `target`.
 *
 * @example
 * ```ts
 * entryKind({ kind: undefined }); // "text"
 * isEmoji("👍"); // true
 * isEmoji("<b>"); // false
 * ```
 */

/** The kinds of log entries. */
export const ENTRY_KINDS = ["text", "edit", "delete", "reaction"] as const;

/** One of {@linkcode ENTRY_KINDS}. */
export type EntryKind = typeof ENTRY_KINDS[number];

/**
 * The longest reaction, in UTF-16 units: room for the longest emoji sequences
 * (a family, a flag with its tag characters), not for a sentence.
 */
export const EMOJI_MAX_UNITS = 32;

/**
 * A reaction is pictographic characters and what joins and modifies them
 * (zero-width joiner, variation selectors, skin tones, keycaps, tags), or a
 * flag's regional indicators; never letters, digits, markup or spaces.
 */
const EMOJI_PATTERN =
  /^(?:[\p{Extended_Pictographic}\p{Regional_Indicator}\p{Emoji_Modifier}\u200d\ufe0f\u20e3\u{e0020}-\u{e007f}]|[#*0-9]\ufe0f?\u20e3)+$/u;

/**
 * Whether `value` may be a reaction's `emoji`.
 *
 * @example
 * ```ts
 * isEmoji("🇫🇷"); // true
 * isEmoji("ok"); // false
 * ```
 */
export function isEmoji(value: string): boolean {
  return value.length <= EMOJI_MAX_UNITS && EMOJI_PATTERN.test(value) &&
    !/^\u200d|\u200d$/.test(value);
}

/**
 * The kind of an entry: a `message` without `kind` is a text entry, as
 * every message of the first edition was.
 *
 * @example
 * ```ts
 * entryKind({ kind: "edit" }); // "edit"
 * ```
 */
export function entryKind(entry: { kind?: EntryKind }): EntryKind {
  return entry.kind ?? "text";
}

/** The fields of a log entry that say what it is. */
export interface EntryShape {
  kind?: EntryKind;
  text?: string;
  target?: number;
  emoji?: string;
  on?: boolean;
  deleted?: true;
}

/**
 * The field that makes `entry` no entry of its kind, or null when it is one:
 * a text entry has its `text` unless it was deleted (then it has none); an
 * edit has a `target` and a `text`; a delete a `target`; a reaction a
 * `target`, an `emoji` and `on`.
 *
 * @example
 * ```ts
 * entryProblem({ kind: "edit", target: 3 }); // "text"
 * entryProblem({ text: "hi" }); // null
 * ```
 */
export function entryProblem(entry: EntryShape): keyof EntryShape | null {
  const kind = entryKind(entry);
  if (kind === "text") {
    return (entry.text === undefined) === (entry.deleted === true) ? null : "text";
  }
  if (entry.target === undefined) return "target";
  if (kind === "edit") return entry.text === undefined ? "text" : null;
  if (kind === "reaction") {
    return entry.emoji === undefined ? "emoji" : entry.on === undefined ? "on" : null;
  }
  return null;
}
