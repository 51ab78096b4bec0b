/**
 * How recorded minutes become incidents: a minute degraded or down opens an
 * incident (or continues the open one), the first ok minute closes it. Two
 * rules keep the list short and true:
 *
 * - a minute that goes wrong again within {@linkcode INCIDENT_MERGE_MS} of
 *   the end of the last incident reopens it rather than starting another, so
 *   a flapping status is one incident;
 * - an open incident with no minute recorded for {@linkcode INCIDENT_GAP_MS}
 *   (nothing was running to record it) is closed at its last minute's end,
 *   since nobody knows how it went after that.
 *
 * @example
 * ```ts
 * const next = nextIncident(latest, { t, status: "degraded", reasons: ["delivery p99 is 740 ms"] });
 * if (next.changed) for (const incident of next.changed) await store.saveIncident(incident, hold);
 * ```
 */
import { MINUTE_MS, type MinuteStatus } from "./bucket.ts";
import type { StoredIncident } from "./store.ts";

/** A status that goes wrong again this soon after an incident ended continues it. */
export const INCIDENT_MERGE_MS = 5 * MINUTE_MS;
/** An open incident with no minute recorded for this long is closed. */
export const INCIDENT_GAP_MS = 5 * MINUTE_MS;
/** The most reasons an incident keeps, and their longest length. */
const REASONS_KEPT = 10;
const REASON_CHARS = 200;

/** A recorded minute, as incidents see it. */
export interface MinuteOutcome {
  t: number;
  status: MinuteStatus;
  reasons: readonly string[];
}

/** What a minute changes: the incidents to save (oldest first), and the latest one after it. */
export interface IncidentStep {
  changed: StoredIncident[];
  latest: StoredIncident | null;
}

function withReasons(held: readonly string[], added: readonly string[]): string[] {
  const reasons = [...held];
  for (const reason of added) {
    const cut = reason.slice(0, REASON_CHARS);
    if (reasons.length < REASONS_KEPT && !reasons.includes(cut)) reasons.push(cut);
  }
  return reasons;
}

/**
 * The incidents after `minute`, given the latest one before it.
 *
 * @example
 * ```ts
 * nextIncident(null, { t: 0, status: "down", reasons: ["the store is not answering"] }).latest;
 * // { id: 0, start: 0, end: null, status: "down", … }
 * ```
 */
export function nextIncident(latest: StoredIncident | null, minute: MinuteOutcome): IncidentStep {
  const changed: StoredIncident[] = [];
  let current = latest;
  if (current && current.end === null && minute.t - current.last_minute > INCIDENT_GAP_MS) {
    current = { ...current, end: current.last_minute + MINUTE_MS };
    changed.push(current);
  }
  const open = current !== null && current.end === null;

  if (minute.status === "ok") {
    if (open) {
      current = { ...current!, end: minute.t };
      changed.push(current);
    }
    return { changed, latest: current };
  }

  const recentlyEnded = current !== null && current.end !== null &&
    minute.t - current.end <= INCIDENT_MERGE_MS;
  if (open || recentlyEnded) {
    const held = current!;
    current = {
      ...held,
      end: null,
      last_minute: minute.t,
      status: held.status === "down" || minute.status === "down" ? "down" : "degraded",
      reasons: withReasons(held.reasons, minute.reasons),
    };
  } else {
    current = {
      id: minute.t,
      start: minute.t,
      end: null,
      last_minute: minute.t,
      status: minute.status,
      reasons: withReasons([], minute.reasons),
      notes: [],
    };
  }
  // The same incident twice in one step (closed for a gap, then reopened) is saved once.
  if (changed.at(-1)?.id === current.id) changed.pop();
  changed.push(current);
  return { changed, latest: current };
}
