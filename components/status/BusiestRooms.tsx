import type { StatusDetail } from "../../lib/protocol/status.ts";
import { formatRate } from "./format.ts";

/** How many rooms the panel lists; the admin detail carries up to 20. */
const SHOWN = 5;

/**
 * The rooms with the most messages per second right now (admin view).
 *
 * @example
 * ```tsx
 * <BusiestRooms rooms={detail.busiest_rooms} />
 * ```
 */
export function BusiestRooms({ rooms }: { rooms: StatusDetail["busiest_rooms"] }) {
  return (
    <section class="panel" aria-labelledby="rooms-title">
      <header class="panel-head">
        <h2 id="rooms-title">Busiest rooms</h2>
        <p class="panel-sub">messages / s</p>
      </header>
      {rooms.length === 0
        ? <p class="panel-note">No messages in the last interval.</p>
        : (
          <ol class="room-rates">
            {rooms.slice(0, SHOWN).map(({ room, messages_per_second }) => (
              <li key={room}>
                <span class="hash">#</span>
                {room}
                <span class="room-rate">{formatRate(messages_per_second)}</span>
              </li>
            ))}
          </ol>
        )}
    </section>
  );
}
