import { typingText } from "./format.ts";

/** "ada is typing…" under the messages; keeps its height so the page does not jump. */
export function TypingIndicator({ names }: { names: readonly string[] }) {
  const text = typingText(names);
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
