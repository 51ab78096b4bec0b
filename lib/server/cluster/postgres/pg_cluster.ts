/**
 * The `postgres` engine: any number of processes (each with any number of
 * isolates) sharing one PostgreSQL database behave as one server. Records
 * live in tables; `LISTEN/NOTIFY` is only the wake-up, sent inside the
 * transaction that wrote the record, so PostgreSQL delivers it at commit, in
 * commit order, and never for a rollback (the channels are in
 * `pg_channels.ts`, the tables in `../../postgres/migrations.ts`):
 *
 * | what | written | read |
 * | --- | --- | --- |
 * | a message | its commit to the log, which notifies `"<head> <room>"` | the room's feed catches up to the head from the log (`pg_feed.ts`) |
 * | events, share changes | one `cluster_stream` record per transaction of the outbox, grouped (`pg_outbox.ts`) | each instance reads each other's records after its cursor (`pg_stream_reader.ts`) |
 * | directed events | a `cluster_mail` row | the addressee takes and deletes it (`pg_mailbox.ts`) |
 * | share values | `cluster_shares`, beside the record that changed them | at start, and after a gap in a stream |
 * | heartbeats | `cluster_instances`, every `expiryMs / 3` | listed at each beat (`pg_registry.ts`) |
 * | rate limits, leases | `rate_buckets`, `leases` | by the instance that asks |
 *
 * A notification lost while the listening connection reconnects (PostgreSQL
 * restarting) is repaired when it reopens: every feed catches up to its
 * room's head, the streams and the mailbox are read, the instances listed.
 *
 * Costs: a chat message costs its commit and one `NOTIFY` (a few bytes);
 * each other instance serving the room reads the new messages once, however
 * many of its sockets listen. Presence changes are at most one publication
 * per user per room per second, typing one event per user per room per
 * second, and the outbox groups whatever is queued while a transaction is in
 * flight into the next one. An instance listens to four channels on one
 * connection, whatever the number of rooms. PostgreSQL serializes the commits
 * of transactions that notify (a lock held through each commit): the ceiling
 * of messages per second across the cluster is set by commit latency, see
 * docs/scaling.md.
 *
 * @example
 * ```ts
 * const cluster = await createPgCluster({
 *   sql: pg.sql, clock, instance: "a1b2c3d4e5f6", expiryMs: 15_000, log: { historyMax: 10_000 },
 * });
 * cluster.events.emit("room_closed", { room: "random" }); // every process hears it
 * await cluster.close();
 * ```
 */
import type { Clock } from "../../../time/clock.ts";
import { decodeText, type Sql } from "../../postgres/mod.ts";
import { createPgMessageStore, type MessageStoreOptions } from "../../store/mod.ts";
import type { Cluster } from "../cluster.ts";
import { createPgLease } from "../pg_lease.ts";
import { createPgRateLimits } from "../pg_rate_limits.ts";
import type { ShareEntry } from "../shares_core.ts";
import { assembleCluster, createStreamPlane } from "../stream_plane.ts";
import { mailChannel, REGISTRY_CHANNEL, ROOM_CHANNEL, STREAM_CHANNEL } from "./pg_channels.ts";
import { createPgFeed } from "./pg_feed.ts";
import { listenTo } from "./pg_listener.ts";
import { createPgMailbox } from "./pg_mailbox.ts";
import { createPgOutbox } from "./pg_outbox.ts";
import { createPgRegistry } from "./pg_registry.ts";
import { createPgStreamReader } from "./pg_stream_reader.ts";

/** Options of {@linkcode createPgCluster}. */
export interface PgClusterOptions {
  /** The pool of a migrated database; its listening connection carries the notifications. */
  sql: Sql;
  clock: Clock;
  instance: string;
  /** How long an instance counts after its last heartbeat. */
  expiryMs: number;
  /** The room log's options, but its clock. */
  log: Omit<MessageStoreOptions, "clock" | "headSignal">;
  /** A background failure; the engine keeps going. */
  onError?: (error: unknown) => void;
}

/** Creates the postgres engine of one instance: registers it, reads the others' shares, listens. */
export async function createPgCluster(options: PgClusterOptions): Promise<Cluster> {
  const { sql, clock, instance, expiryMs } = options;
  const onError = options.onError ?? ((error) => console.error("cluster:", error));
  const log = createPgMessageStore(sql, { ...options.log, clock, headChannel: ROOM_CHANNEL });
  const feed = createPgFeed({ sql, log, onError });
  const outbox = createPgOutbox({ sql, clock, instance, onError });

  const plane = createStreamPlane({ instance, clock, outbox, onError });

  const registry = createPgRegistry({
    sql,
    clock,
    instance,
    expiryMs,
    janitorLease: createPgLease({
      sql,
      clock,
      name: "cluster.janitor",
      holder: instance,
      ttlMs: expiryMs,
    }),
    onError,
  });

  /** Reads what `sender` holds now, every space whole. */
  const loadShares = async (sender: string) => {
    const rows = await sql<{ space: string; key: string; value: string }[]>`
      select space, key, value from cluster_shares where instance = ${sender}`;
    const bySpace = new Map<string, ShareEntry[]>();
    for (const row of rows) {
      const space = decodeText(row.space);
      const entries = bySpace.get(space) ?? [];
      entries.push([decodeText(row.key), JSON.parse(row.value)]);
      bySpace.set(space, entries);
    }
    plane.receiveWhole(sender, bySpace);
  };

  const reader = createPgStreamReader({
    sql,
    senders: () => registry.live().filter((id) => id !== instance),
    onRecord: plane.onRecord,
    onGap: plane.reloadOnGap(loadShares),
    onError,
  });
  const mailbox = createPgMailbox({ sql, instance, onMail: plane.dispatch, onError });

  let starting = true;
  const stops = plane.follow({ registry, reader, loadShares, starting: () => starting });
  await registry.start();

  const listener = await listenTo(sql, [
    { channel: ROOM_CHANNEL, onNotice: feed.noticed, onOpen: feed.catchUpAll },
    { channel: STREAM_CHANNEL, onNotice: reader.wake, onOpen: reader.wake },
    { channel: mailChannel(instance), onNotice: mailbox.wake, onOpen: mailbox.wake },
    {
      channel: REGISTRY_CHANNEL,
      onNotice: () => void registry.refresh().catch(onError),
      onOpen: () => void registry.refresh().catch(onError),
    },
  ], onError);
  starting = false;

  return assembleCluster({
    engine: "postgres",
    instance,
    expiryMs,
    log,
    feed,
    plane,
    stops,
    outbox,
    registry,
    reader,
    mailbox,
    stopWaking: () => listener.stop(),
    rateLimits: createPgRateLimits({ sql, clock }),
    lease: (name, ttlMs) => createPgLease({ sql, clock, name, holder: instance, ttlMs }),
  });
}
