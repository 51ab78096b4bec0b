/**
 * Fills a status history with 14 days of a plausible small chat (busy
 * afternoons, quiet nights, two isolates, a few rooms) and two incidents
 * with admins' notes, written through the store as the recorder writes it:
 * minutes appended under the lease, hours rolled up from them, and the
 * minutes older than 48 h pruned. `deno task screenshots` uses it so that
 * the 24 h and 7 d views of `/status` have something to show.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv(path);
 * await seedStatusHistory(kv, Date.now());
 * kv.close();
 * ```
 */
import { createKvLease } from "../lib/server/cluster/mod.ts";
import {
  bucketStart,
  createKvStatusHistoryStore,
  DAY_MS,
  emptyBucket,
  type HistoryBucket,
  HOUR_MS,
  mergeBuckets,
  MINUTE_MS,
  type MinuteStatus,
  noDeliveries,
  type StoredIncident,
} from "../lib/server/status_history/mod.ts";
import { STATUS_HISTORY_LEASE } from "../lib/server/services.ts";
import { createVirtualClock } from "../lib/time/clock.ts";

const ROOMS = ["general", "release", "design", "incidents"];

/** The same pseudo-random numbers every run, so the pictures do not change for nothing. */
function createRandom(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** How busy the chat is at `t`: 0 at night, 1 mid-afternoon (UTC). */
function busyness(t: number): number {
  const hour = (t % DAY_MS) / HOUR_MS;
  return Math.max(0, Math.sin(((hour - 6) / 18) * Math.PI)) ** 2;
}

function minuteAt(t: number, status: MinuteStatus, random: () => number): HistoryBucket {
  const busy = busyness(t);
  const connections = Math.round(3 + 37 * busy + 4 * random());
  const messages = Math.round(busy * 60 * random());
  const deliveries = noDeliveries();
  // Most deliveries take 2-10 ms; a degraded minute's take seconds.
  const slot = status === "ok" ? (random() < 0.8 ? 2 : 3) : 10;
  deliveries[slot] += messages;
  if (messages > 0 && status === "ok") deliveries[4] += 1;
  const bucket: HistoryBucket = {
    ...emptyBucket(t, MINUTE_MS),
    covered_ms: MINUTE_MS,
    connections,
    users: Math.max(1, connections - 2),
    rooms: Math.min(ROOMS.length, 1 + Math.round(3 * busy)),
    messages,
    deliveries,
    errors: random() < 0.02 ? 1 : 0,
  };
  bucket.minutes[status] = 1;
  const half = Math.floor(connections / 2);
  bucket.instances = [
    { id: "a1f3c9e2", host: "app-1", connections: connections - half, errors: bucket.errors },
    { id: "b7d41e08", host: "app-2", connections: half, errors: 0 },
  ].map((instance, index) => ({
    ...instance,
    messages: index === 0 ? Math.ceil(messages / 2) : Math.floor(messages / 2),
    deliveries: deliveries.map((count) =>
      index === 0 ? Math.ceil(count / 2) : Math.floor(count / 2)
    ),
  }));
  bucket.top_rooms = ROOMS.slice(0, bucket.rooms).map((room, index) => {
    const share = [0.6, 0.2, 0.15, 0.05][index];
    return {
      room,
      connections: Math.round(connections * share * 1.5),
      messages: Math.round(messages * share),
      deliveries: deliveries.map((count) => Math.round(count * share)),
      errors: 0,
    };
  });
  return bucket;
}

/**
 * Writes `days` of seeded history (default 14) into `kv`, ending at the
 * minute before `now`. The incidents are 3 and 9 days back: a shorter
 * history has only those within it.
 *
 * @example
 * ```ts
 * await seedStatusHistory(kv, Date.now());
 * ```
 */
export async function seedStatusHistory(kv: Deno.Kv, now: number, days = 14): Promise<void> {
  const clock = createVirtualClock(now);
  const store = createKvStatusHistoryStore({ kv });
  const hold = await createKvLease({ kv, clock, name: STATUS_HISTORY_LEASE, holder: "seed" })
    .acquire();
  if (!hold) throw new Error("the status history lease is taken");
  const random = createRandom(7);
  const end = bucketStart(now, MINUTE_MS);
  const first = bucketStart(end - days * DAY_MS, HOUR_MS);
  const incidents: StoredIncident[] = [
    {
      id: bucketStart(end, DAY_MS) - 3 * DAY_MS + 14 * HOUR_MS + 20 * MINUTE_MS,
      start: 0,
      end: 0,
      last_minute: 0,
      status: "degraded" as const,
      reasons: ["delivery p99 is 2480 ms (limit 500 ms)"],
      notes: [],
    },
    {
      id: bucketStart(end, DAY_MS) - 9 * DAY_MS + 10 * HOUR_MS + 5 * MINUTE_MS,
      start: 0,
      end: 0,
      last_minute: 0,
      status: "down" as const,
      reasons: ["the store is not answering"],
      notes: [],
    },
  ].filter((incident) => incident.id >= first).map((incident) => {
    const minutes = incident.status === "degraded" ? 14 : 4;
    return {
      ...incident,
      start: incident.id,
      end: incident.id + minutes * MINUTE_MS,
      last_minute: incident.id + (minutes - 1) * MINUTE_MS,
    };
  });
  const statusAt = (t: number): MinuteStatus =>
    incidents.find((incident) => t >= incident.start && t < incident.end!)?.status ?? "ok";

  let hour: HistoryBucket[] = [];
  for (let t = first; t < end; t += MINUTE_MS) {
    const minute = minuteAt(t, statusAt(t), random);
    await store.appendMinute(minute, hold);
    hour.push(minute);
    if ((t + MINUTE_MS) % HOUR_MS === 0) {
      await store.putHour(mergeBuckets(t + MINUTE_MS - HOUR_MS, HOUR_MS, hour), hold);
      hour = [];
    }
  }
  const notes = {
    degraded: {
      by: "grace",
      text: "A noisy neighbour on the database host; moved to a dedicated one.",
    },
    down: {
      by: "linus",
      text: "The KV volume filled up. Messages sent during the outage were kept and delivered.",
    },
  };
  for (const incident of incidents) {
    await store.saveIncident(incident, hold);
    await store.addIncidentNote(incident.id, { at: incident.end!, ...notes[incident.status] });
  }
  await store.prune(now);
  await createKvLease({ kv, clock, name: STATUS_HISTORY_LEASE, holder: "seed" }).release(hold);
}
