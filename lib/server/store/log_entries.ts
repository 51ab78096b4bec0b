/**
 * What a commit writes for each kind of log entry (second edition), shared by
 * the Deno KV and PostgreSQL logs so they cannot disagree.
 *
 * A text entry is stored in its present state: each edit, delete and
 * reaction committed after it is folded into its stored row by the commit
 * that makes the change, in the same atomic operation (KV) or transaction
 * (PostgreSQL), under the room head every commit takes in turn. So a history
 * page is already folded, however far apart a text and its changes are, and
 * changes apply to it in seq order. A delete drops the text (and mentions,
 * reactions) from the stored row; an edit of a deleted entry is stored
 * without its text, and the edits before a delete have theirs erased by the
 * store right after (`text: ""`), so nothing of a deleted message is kept.
 *
 * @example
 * ```ts
 * const entry = entryOf({ room: "general", user, cid: "c2", kind: "edit", target: 1, text: "hi" }, 2, ts);
 * const folded = foldChange(text, entry); // the text entry as the edit leaves it
 * ```
 */
import { entryKind, foldEntries, type Message } from "../../protocol/mod.ts";
import type { CommitInput } from "./message_store.ts";

/** The text an erased edit keeps: none of the deleted message's words. */
export const ERASED_TEXT = "";

/**
 * The entry `input` makes at `seq`, stamped `ts`: only the fields its kind
 * has, none undefined (the stores serialize what they are given).
 */
export function entryOf(input: CommitInput, seq: number, ts: number): Message {
  const { room, cid, user, kind, text, target, emoji, on, reply_to, mentions } = input;
  const entry: Message = {
    room,
    seq,
    id: crypto.randomUUID(),
    cid,
    user: { id: user.id, name: user.name, role: user.role },
    ts,
  };
  if (kind !== undefined && kind !== "text") entry.kind = kind;
  if (text !== undefined) entry.text = text;
  if (target !== undefined) entry.target = target;
  if (emoji !== undefined) entry.emoji = emoji;
  if (on !== undefined) entry.on = on;
  if (reply_to !== undefined) entry.reply_to = reply_to;
  if (mentions !== undefined && mentions.length > 0) entry.mentions = mentions;
  return entry;
}

/** Whether `entry` changes another (an edit, a delete or a reaction). */
export function isChange(entry: { kind?: string }): boolean {
  return entry.kind !== undefined && entry.kind !== "text";
}

/**
 * Folds the change `change` into the stored text entry `target` (the one the
 * change targets). Answers the target's new state (or `target` itself when
 * nothing changed) and the change as it must be stored: an edit of a deleted
 * entry without its text.
 */
export function foldChange(target: Message, change: Message): { target: Message; change: Message } {
  if (entryKind(target) !== "text" || target.seq >= change.seq) return { target, change };
  const stored = target.deleted && change.kind === "edit"
    ? { ...change, text: ERASED_TEXT }
    : change;
  const [folded] = foldEntries([target, stored]);
  return { target: folded, change: stored };
}

/**
 * Folds each change of `created` (in seq order) into its target among
 * `targets` (seq → stored entry; created text entries are added as they come),
 * and answers the targets that changed and the entries as they must be stored.
 */
export function foldBatch(
  targets: Map<number, Message>,
  created: Message[],
): { changed: Map<number, Message>; stored: Message[] } {
  const changed = new Map<number, Message>();
  const stored = created.map((entry) => {
    if (!isChange(entry)) {
      targets.set(entry.seq, entry);
      return entry;
    }
    const target = targets.get(entry.target!);
    if (!target) return entry;
    const folded = foldChange(target, entry);
    if (folded.target !== target) {
      targets.set(target.seq, folded.target);
      changed.set(target.seq, folded.target);
    }
    return folded.change;
  });
  return { changed, stored };
}

/** The seqs of the entries the changes among `inputs` target, each once. */
export function targetsOf(inputs: readonly CommitInput[]): number[] {
  const seqs = inputs.filter(isChange).map((input) => input.target!);
  return [...new Set(seqs)];
}
