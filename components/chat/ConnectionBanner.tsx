import type { Banner, BannerAction } from "./banner.ts";

const ACTION_LABELS: Record<BannerAction, string> = {
  retry: "Retry now",
  connect: "Try again",
};

/**
 * The connection in words, above the messages. The live region is always in
 * the page (empty when all is well), so screen readers announce each change.
 */
export function ConnectionBanner(
  { banner, onAction }: { banner: Banner | null; onAction: (action: BannerAction) => void },
) {
  return (
    <div class="banner-slot" role="status" aria-live="polite">
      {banner && (
        <div class={`banner banner-${banner.tone}`} data-tone={banner.tone}>
          <span class="banner-icon" aria-hidden="true" />
          <span class="banner-text">
            <strong>{banner.text}</strong>
            {banner.action && (
              <>
                {" — "}
                <button type="button" class="link-button" onClick={() => onAction(banner.action!)}>
                  {ACTION_LABELS[banner.action]}
                </button>
              </>
            )}
            {banner.detail && <span class="banner-detail">{banner.detail}</span>}
          </span>
        </div>
      )}
    </div>
  );
}
