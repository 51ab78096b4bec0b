import { typingText } from "./format.ts";

/** "ada is typing…" under the messages; keeps its height so the page does not jump. */
export function TypingIndicator({ names, more }: { names: readonly string[]; more: number }) {
  const text = typingText(names, more);
  return (
    <div class="typing" aria-live="polite">
      {text && (
        <>
          <span class="typing-dots" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          {text}
        </>
      )}
    </div>
  );
}
