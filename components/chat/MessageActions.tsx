import { useState } from "preact/hooks";
import type { RoomMessage } from "../../lib/client/client.ts";
import { lazyComponent } from "./lazy.tsx";

// Fetched on first use: most readers never open the picker.
const EmojiPicker = lazyComponent(() =>
  import("./EmojiPicker.tsx").then((module) => module.EmojiPicker)
);

/** What a reader may do with a message; each resolves to null, or why it failed. */
export interface MessageHandlers {
  /** The signed-in user's id (whose reactions and mentions are theirs). */
  meId: string | null;
  /** Whether the reader moderates the room (may delete others' messages). */
  moderates: boolean;
  onReact(seq: number, emoji: string, on: boolean): void;
  onReply(message: RoomMessage): void;
  onEdit(seq: number, text: string): Promise<string | null>;
  onDelete(seq: number): Promise<string | null>;
}

/** The emoji the picker always offers; those already used in the room come after them. */
export const COMMON_EMOJI = ["👍", "❤️", "😂", "🎉", "👀", "🙏"];

/** A message's reactions, each a button that adds or takes back yours. */
export function Reactions(
  { message, handlers }: { message: RoomMessage; handlers: MessageHandlers },
) {
  const reactions = Object.entries(message.reactions ?? {});
  if (reactions.length === 0 || message.seq === null) return null;
  const seq = message.seq;
  return (
    <div class="reactions">
      {reactions.map(([emoji, users]) => {
        const mine = handlers.meId !== null && users.includes(handlers.meId);
        return (
          <button
            type="button"
            key={emoji}
            class={mine ? "reaction reaction-mine" : "reaction"}
            aria-pressed={mine}
            aria-label={`${emoji} ${users.length}`}
            onClick={() => handlers.onReact(seq, emoji, !mine)}
          >
            {emoji} <span class="count">{users.length}</span>
          </button>
        );
      })}
    </div>
  );
}

/**
 * The actions of one sent message: react (a small picker of common emoji and
 * those used in the room), reply, and for its author edit, for its author and
 * moderators delete (after a confirmation).
 */
export function MessageActions(
  { message, handlers, used, onEditStart }: {
    message: RoomMessage;
    handlers: MessageHandlers;
    /** Emoji already used in the room. */
    used: readonly string[];
    onEditStart(): void;
  },
) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  if (message.seq === null || message.deleted) return null;
  const seq = message.seq;
  const choices = [...new Set([...COMMON_EMOJI, ...used])];
  const mayDelete = message.own || handlers.moderates;
  return (
    <div class="msg-actions">
      <button type="button" class="link-button" onClick={() => setPicking(!picking)}>
        React
      </button>
      <button type="button" class="link-button" onClick={() => handlers.onReply(message)}>
        Reply
      </button>
      {message.own && <button type="button" class="link-button" onClick={onEditStart}>Edit</button>}
      {mayDelete && !confirming && (
        <button
          type="button"
          class="link-button"
          onClick={() => setConfirming(true)}
        >
          Delete
        </button>
      )}
      {confirming && (
        <span class="confirm" role="group" aria-label="Delete this message?">
          Delete this message?
          <button
            type="button"
            class="link-button danger"
            onClick={async () => {
              setProblem(await handlers.onDelete(seq));
              setConfirming(false);
            }}
          >
            Delete
          </button>
          <button type="button" class="link-button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </span>
      )}
      {picking && (
        <EmojiPicker
          choices={choices}
          onPick={(emoji) => {
            const mine = handlers.meId !== null &&
              (message.reactions?.[emoji] ?? []).includes(handlers.meId);
            handlers.onReact(seq, emoji, !mine);
            setPicking(false);
          }}
        />
      )}
      {problem && <span class="msg-state msg-state-failed" role="alert">{problem}</span>}
    </div>
  );
}
