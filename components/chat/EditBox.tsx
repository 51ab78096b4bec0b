import { useState } from "preact/hooks";
import type { RoomMessage } from "../../lib/client/client.ts";
import type { MessageHandlers } from "./MessageActions.tsx";

/**
 * Edits a message in place: Enter saves, Escape cancels.
 *
 * @example
 * ```tsx
 * <EditBox message={message} handlers={handlers} onDone={() => setEditing(null)} />;
 * ```
 */
export function EditBox(
  { message, handlers, onDone }: {
    message: RoomMessage;
    handlers: MessageHandlers;
    onDone(): void;
  },
) {
  const [text, setText] = useState(message.text);
  const [problem, setProblem] = useState<string | null>(null);
  const save = async () => {
    if (message.seq === null || text.trim() === "") return;
    if (text === message.text) return onDone();
    const failed = await handlers.onEdit(message.seq, text);
    if (failed) setProblem(failed);
    else onDone();
  };
  return (
    <div class="edit-box">
      <textarea
        class="edit-input"
        aria-label="Edit message"
        value={text}
        ref={(element) => element?.focus()}
        onInput={(event) => setText((event.target as HTMLTextAreaElement).value)}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            save();
          }
          if (event.key === "Escape") onDone();
        }}
      />
      <button type="button" class="button" onClick={save}>Save</button>
      <button type="button" class="button button-quiet" onClick={onDone}>Cancel</button>
      {problem && <span class="msg-state msg-state-failed" role="alert">{problem}</span>}
    </div>
  );
}
