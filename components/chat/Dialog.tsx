import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A modal dialog over the chat: titled, closed by Escape, by the backdrop or
 * by its close button, with focus moved into it when it opens.
 */
export function Dialog(
  { title, onClose, children }: { title: string; onClose(): void; children: ComponentChildren },
) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("input, button")?.focus();
    const onKey = (event: KeyboardEvent) => event.key === "Escape" && onClose();
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
  return (
    <div class="dialog-backdrop" onClick={onClose}>
      <div
        ref={box}
        class="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="dialog-title"
        onClick={(event) => event.stopPropagation()}
      >
        <h2 id="dialog-title" class="dialog-title">{title}</h2>
        {children}
        <button type="button" class="icon-button dialog-close" onClick={onClose}>
          <svg viewBox="0 0 20 20" aria-hidden="true">
            <path d="M5 5l10 10M15 5L5 15" />
          </svg>
          <span class="sr-only">Close</span>
        </button>
      </div>
    </div>
  );
}
