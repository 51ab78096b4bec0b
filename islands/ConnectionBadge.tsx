import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

/** Props of {@linkcode ConnectionBadge}. */
export interface ConnectionBadgeProps {
  /** When the server rendered the page; shown in the badge's title. */
  renderedAt: Date;
}

/**
 * Shows the page's connection state. On the server it says `idle`; once the
 * island hydrates it says `ready`, and a click shows when the page was made.
 */
export default function ConnectionBadge({ renderedAt }: ConnectionBadgeProps) {
  const state = useSignal<"idle" | "ready">("idle");
  const open = useSignal(false);
  useEffect(() => {
    state.value = "ready";
  }, []);
  return (
    <span class="badge-wrap">
      <button
        type="button"
        class={`badge badge-${state}`}
        data-state={state}
        aria-expanded={open.value}
        onClick={() => (open.value = !open.value)}
      >
        <span class="dot" aria-hidden="true" />
        {state}
      </button>
      {open.value && (
        <span class="badge-detail" role="status">
          page rendered {renderedAt.toLocaleTimeString()}
        </span>
      )}
    </span>
  );
}
