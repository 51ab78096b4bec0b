/**
 * Folding a room's log: text entries in their present state. The server
 * folds what it serves in `joined` and `history`; the client folds what it
 * holds (those pages and the live entries after them) to show it. Both use
 * this one function, so they cannot disagree on what a room shows.
 *
 * Changes apply in seq order, each to its target: an edit sets `text` and
 * `edited_at` (its `ts`); a delete sets `deleted` and drops the text, the
 * mentions, the reactions and `edited_at`, and nothing changes a deleted
 * entry again; a reaction adds or removes its user under its emoji (one per
 * user, emoji and target). A change whose target is not among the entries
 * given, or is no text entry, changes nothing. An entry given twice counts
 * once (the first given), so a page and the live entries it overlaps may be
 * folded together.
 *
 * Folding a text entry the server already folded with the changes after it
 * gives the same state again: each change sets a value (the text, one
 * reaction) rather than toggling it, and the last in seq order wins.
 *
 * @example
 * ```ts
 * const user = { id: "u1", name: "ada" };
 * const base = { room: "general", id: "m", cid: "c", user, ts: 1 };
 * foldEntries([
 *   { ...base, seq: 1, text: "helo" },
 *   { ...base, seq: 2, cid: "c2", kind: "edit", target: 1, text: "hello", ts: 5 },
 * ]);
 * // [{ ...base, seq: 1, text: "hello", edited_at: 5 }, { …the edit entry }]
 * ```
 */
import { entryKind } from "./entries.ts";
import type { Message, Reactions } from "./frames.ts";

/** Whether `entry` is a text entry (a message someone sent). */
export function isTextEntry(entry: Message): boolean {
  return entryKind(entry) === "text";
}

/** `reactions` with `userId` added under `emoji` (`on`) or taken away; undefined when empty. */
function react(
  reactions: Reactions | undefined,
  emoji: string,
  userId: string,
  on: boolean,
): Reactions | undefined {
  const users = reactions?.[emoji] ?? [];
  if (users.includes(userId) === on) return reactions;
  const next: Record<string, string[]> = { ...reactions };
  const changed = on ? [...users, userId] : users.filter((id) => id !== userId);
  if (changed.length > 0) next[emoji] = changed;
  else delete next[emoji];
  return Object.keys(next).length > 0 ? next : undefined;
}

/** `text` as `change` leaves it (a new object; `text` itself is not touched). */
function applyChange(text: Message, change: Message): Message {
  if (text.deleted) return text;
  switch (entryKind(change)) {
    case "edit":
      return { ...text, text: change.text, edited_at: change.ts };
    case "delete": {
      const {
        text: _text,
        mentions: _mentions,
        reactions: _reactions,
        edited_at: _editedAt,
        ...kept
      } = text;
      return { ...kept, deleted: true };
    }
    case "reaction": {
      const reactions = react(text.reactions, change.emoji!, change.user.id, change.on!);
      if (reactions === text.reactions) return text;
      const { reactions: _reactions, ...rest } = text;
      return reactions ? { ...rest, reactions } : rest;
    }
    default:
      return text;
  }
}

/**
 * Every entry once, in seq order, with each text entry changed by the
 * edits, deletes and reactions among `entries` that target it. The entries
 * given are not changed.
 *
 * @example
 * ```ts
 * const shown = foldEntries([...held, ...live]).filter(isTextEntry);
 * ```
 */
export function foldEntries(entries: Iterable<Message>): Message[] {
  const bySeq = new Map<number, Message>();
  for (const entry of entries) {
    if (!bySeq.has(entry.seq)) bySeq.set(entry.seq, entry);
  }
  const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  const texts = new Map<number, number>();
  ordered.forEach((entry, index) => {
    if (isTextEntry(entry)) texts.set(entry.seq, index);
  });
  for (const change of ordered) {
    if (isTextEntry(change) || change.target === undefined) continue;
    const index = texts.get(change.target);
    if (index === undefined || change.target >= change.seq) continue;
    ordered[index] = applyChange(ordered[index], change);
  }
  return ordered;
}
