import {
  STATUS_RANGE_SPECS,
  STATUS_RANGES,
  type StatusRange,
} from "../../lib/protocol/status_range.ts";

/** Props of {@linkcode RangePicker}. */
export interface RangePickerProps {
  range: StatusRange;
  /** In the browser: choose without reloading. Without it the links navigate. */
  onSelect?: (range: StatusRange) => void;
}

function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey &&
    !event.altKey;
}

/**
 * The time ranges as plain links (`/status?range=24h`), so the page works
 * and a view can be shared without JavaScript; the island takes over the
 * clicks and reads the range without a reload.
 *
 * @example
 * ```tsx
 * <RangePicker range="24h" onSelect={(range) => ranges.select(range)} />
 * ```
 */
export function RangePicker({ range, onSelect }: RangePickerProps) {
  return (
    <nav class="range-picker" aria-label="Time range">
      <ul>
        {STATUS_RANGES.map((name) => (
          <li key={name}>
            <a
              href={`/status?range=${name}`}
              data-range={name}
              aria-current={name === range ? "page" : undefined}
              onClick={(event) => {
                if (!onSelect || !isPlainClick(event)) return;
                event.preventDefault();
                onSelect(name);
              }}
            >
              <span class="visually-hidden">Last</span> {STATUS_RANGE_SPECS[name].label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
