import { useEffect, useRef, useState } from "preact/hooks";
import { checkTextLength } from "../../lib/protocol/text.ts";

/** Props of {@linkcode Composer}. */
export interface ComposerProps {
  /** The room in running text: `#general`, or a direct message's people. */
  room: string;
  maxChars: number;
  /** What was being written in this room before (`lib/client/drafts.ts`). */
  draft: string;
  /** Called with the text as it is written (and with "" once it is sent). */
  onDraft(text: string): void;
  /** Sends the text; returns why it could not be sent, or null. */
  onSend(text: string): string | null;
  onTyping(): void;
  /** Who wrote the message this one will answer, if it is a reply. */
  replyingTo?: string | null;
  onCancelReply?(): void;
  /** ↑ in the empty box: edit your last message; false if there is none. */
  onEditLast?(): boolean;
}

/** The counter shows from this share of the limit on. */
const COUNTER_FROM = 0.8;

/**
 * The message box: Enter sends, Shift+Enter adds a line. A counter appears
 * near the length limit and the send button stays off past it; length is
 * counted as the server counts it (`lib/protocol/text.ts`). It starts from
 * the room's draft and reports every change, so a draft survives a room
 * switch and a reload. ↑ in the empty box edits your last message; a reply
 * shows whom it answers, and Escape (or Cancel) makes it a message again.
 */
export function Composer(props: ComposerProps) {
  const { room, maxChars, draft, onDraft, onSend, onTyping } = props;
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const { length, ok: fits } = checkTextLength(text, maxChars);
  const over = !fits;
  const empty = text.trim() === "";

  // After mounting, not as the first state: hydration does not patch a textarea's value.
  useEffect(() => {
    if (draft) setText(draft);
  }, []);

  const change = (value: string) => {
    setText(value);
    onDraft(value);
  };

  const submit = () => {
    if (empty || over) return;
    const problem = onSend(text);
    setError(problem);
    if (!problem) change("");
    input.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {props.replyingTo && (
        <p class="replying">
          Replying to {props.replyingTo}
          <button type="button" class="link-button" onClick={props.onCancelReply}>Cancel</button>
        </p>
      )}
      <label class="sr-only" for="composer-input">Message {room}</label>
      <textarea
        id="composer-input"
        ref={input}
        class="composer-input"
        rows={1}
        placeholder={`Message ${room}`}
        value={text}
        aria-invalid={over}
        aria-describedby="composer-help"
        onInput={(event) => {
          change(event.currentTarget.value);
          setError(null);
          onTyping();
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            submit();
          }
          if (event.key === "ArrowUp" && text === "" && props.onEditLast?.()) {
            event.preventDefault();
          }
          if (event.key === "Escape" && props.replyingTo) props.onCancelReply?.();
        }}
      />
      <div class="composer-side">
        {length >= maxChars * COUNTER_FROM && (
          <span class={`counter${over ? " counter-over" : ""}`} aria-live="polite">
            {length.toLocaleString()} / {maxChars.toLocaleString()}
          </span>
        )}
        <button type="submit" class="button button-primary send-button" disabled={empty || over}>
          <svg viewBox="0 0 20 20" aria-hidden="true">
            <path d="M3 10l14-7-5 14-2-6-7-1z" />
          </svg>
          <span class="sr-only">Send</span>
        </button>
      </div>
      <p
        id="composer-help"
        class={error ? "composer-error" : "sr-only"}
        role={error ? "alert" : undefined}
      >
        {error ?? "Enter sends, Shift+Enter adds a new line."}
      </p>
    </form>
  );
}
