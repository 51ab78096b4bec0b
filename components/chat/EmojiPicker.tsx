/**
 * The reaction picker: one button per emoji; `onPick` gets the one chosen.
 *
 * @example
 * ```tsx
 * <EmojiPicker choices={["👍", "🎉"]} onPick={(emoji) => react(emoji)} />;
 * ```
 */
export function EmojiPicker(
  { choices, onPick }: { choices: readonly string[]; onPick(emoji: string): void },
) {
  return (
    <div class="emoji-picker" role="group" aria-label="Pick a reaction">
      {choices.map((emoji) => (
        <button
          type="button"
          key={emoji}
          class="emoji-choice"
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </div>
  );
}
