import { useState } from "preact/hooks";
import { createMessageSearch, type SearchState } from "../../lib/client/message_search.ts";
import type { Message, PublicUser } from "../../lib/protocol/frames.ts";
import { markdownPlainText } from "../markdown.ts";
import { Dialog } from "./Dialog.tsx";
import { dayLabel, secondsUntil, timeLabel } from "./format.ts";

/** Props of {@linkcode SearchDialog}. */
export interface SearchDialogProps {
  /** Asks the server (the client's `search`). */
  search(q: string): Promise<readonly Message[]>;
  /** How a room is named in running text: `#general`, or a direct message's people. */
  roomLabel(room: string): string;
  /** How an author is named: `ada`, or `bob (guest)`. */
  nameOf(user: PublicUser): string;
  /** Opens the message in its room; resolves with why it cannot be shown, or null when it is. */
  onOpen(room: string, seq: number): Promise<string | null>;
  onClose(): void;
}

/** A word of a search, as the server compares them: letters, marks, digits and `_`, case-folded. */
const WORD = /[\p{L}\p{M}\p{N}_]+/gu;

const fold = (word: string) => word.normalize("NFKC").toLowerCase();

/**
 * `text` cut into runs, each marked whether it is one of `q`'s words: the
 * result shows the words found highlighted, as text nodes (never as HTML).
 *
 * @example
 * ```ts
 * matchedParts("Ship the release", "release");
 * // [{ text: "Ship the ", match: false }, { text: "release", match: true }]
 * ```
 */
export function matchedParts(text: string, q: string): { text: string; match: boolean }[] {
  const wanted = new Set(Array.from(q.matchAll(WORD), ([word]) => fold(word)));
  const parts: { text: string; match: boolean }[] = [];
  let from = 0;
  for (const found of text.matchAll(WORD)) {
    if (!wanted.has(fold(found[0]))) continue;
    if (found.index > from) parts.push({ text: text.slice(from, found.index), match: false });
    parts.push({ text: found[0], match: true });
    from = found.index + found[0].length;
  }
  if (from < text.length) parts.push({ text: text.slice(from), match: false });
  return parts;
}

/** Longest part of a result's text shown; the whole message opens in its room. */
const EXCERPT_CHARS = 300;

/** The start of a result's text as plain words: its markdown markers would only be noise here. */
function excerptOf(message: Message): string {
  return markdownPlainText(message.text ?? "").slice(0, EXCERPT_CHARS);
}

/**
 * "Search messages": a field (Enter searches, Escape closes) and the messages
 * found in the rooms you may read, newest first, each with its room, author,
 * time and text (the words searched marked). Choosing one opens its room at
 * that message. The state is `lib/client/message_search.ts`'s.
 */
export function SearchDialog(props: SearchDialogProps) {
  const [search] = useState(() => createMessageSearch({ search: props.search, now: Date.now }));
  const [q, setQ] = useState("");
  const [openError, setOpenError] = useState<string | null>(null);
  const state = search.state.value;

  const open = async (message: Message) => {
    setOpenError(null);
    const problem = await props.onOpen(message.room, message.seq);
    if (problem === null) props.onClose();
    else setOpenError(problem);
  };

  return (
    <Dialog title="Search messages" onClose={props.onClose}>
      <form
        class="dialog-form search-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setOpenError(null);
          void search.run(q);
        }}
      >
        <label class="field-label" for="search-input">Words to find</label>
        <div class="create-room-row">
          <input
            id="search-input"
            class="input"
            type="search"
            maxLength={200}
            autoComplete="off"
            value={q}
            onInput={(event) => setQ(event.currentTarget.value)}
          />
          <button type="submit" class="button" disabled={state.kind === "searching"}>
            Search
          </button>
        </div>
      </form>
      <SearchOutcome state={state} props={props} onOpen={open} />
      {openError && <p class="field-error" role="alert">{openError}</p>}
    </Dialog>
  );
}

/** What a search came to: a hint, progress, the results, or why there are none. */
export function SearchOutcome(
  { state, props: { roomLabel, nameOf }, onOpen }: {
    state: SearchState;
    props: SearchDialogProps;
    onOpen(message: Message): void;
  },
) {
  const now = Date.now();
  switch (state.kind) {
    case "idle":
      return <p class="field-help">Messages holding every word, from the rooms you are in.</p>;
    case "searching":
      return <p class="field-help" role="status">Searching…</p>;
    case "rate_limited": {
      const seconds = secondsUntil(state.retryAt, now);
      return (
        <p class="field-error" role="alert">
          Too many searches; try again {seconds > 0 ? `in ${seconds} s` : "now"}.
        </p>
      );
    }
    case "error":
      return <p class="field-error" role="alert">Search failed: {state.message}</p>;
    case "results":
      if (state.messages.length === 0) {
        return <p class="field-help search-none" role="status">No messages hold “{state.q}”.</p>;
      }
      return (
        <ol class="search-results" aria-label={`Messages holding “${state.q}”`}>
          {state.messages.map((message) => (
            <li key={`${message.room}/${message.seq}`}>
              <button type="button" class="search-result" onClick={() => onOpen(message)}>
                <span class="search-result-meta">
                  <span class="search-result-room">{roomLabel(message.room)}</span>
                  <span class="msg-author">{nameOf(message.user)}</span>
                  <time dateTime={new Date(message.ts).toISOString()}>
                    {dayLabel(message.ts, now)} {timeLabel(message.ts)}
                  </time>
                </span>
                <span class="search-result-text">
                  {matchedParts(excerptOf(message), state.q).map((
                    part,
                    index,
                  ) => part.match ? <mark key={index}>{part.text}</mark> : part.text)}
                </span>
              </button>
            </li>
          ))}
        </ol>
      );
  }
}
