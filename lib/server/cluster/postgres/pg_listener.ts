/**
 * The postgres engine's `LISTEN`s: the pool's one listening connection (the
 * `postgres` package opens it apart from the pool, and opens it again with a
 * backoff whenever it breaks, PostgreSQL restarting included), listening to a
 * fixed list of channels. Each channel has a handler for its notifications
 * and one for "(re)opened": a notification sent while the connection was
 * down is never delivered, so whoever listens reads what it may have missed
 * from the tables then.
 *
 * @example
 * ```ts
 * const listener = await listenTo(sql, [
 *   { channel: STREAM_CHANNEL, onNotice: () => reader.wake(), onOpen: () => reader.wake() },
 * ], console.error);
 * await listener.stop();
 * ```
 */
import type { Sql } from "../../postgres/mod.ts";

/** One channel and what to do on it. */
export interface ChannelHandler {
  channel: string;
  /** A notification's payload. */
  onNotice(payload: string): void;
  /** The channel is listened to (again): anything may have been missed meanwhile. */
  onOpen(): void;
}

/** The running listens. */
export interface PgListener {
  /** Stops listening to every channel. */
  stop(): Promise<void>;
}

/**
 * Listens to every channel; resolves once all are listened to (so an instance
 * never starts deaf), rejects when PostgreSQL cannot be reached.
 */
export async function listenTo(
  sql: Sql,
  handlers: readonly ChannelHandler[],
  onError: (error: unknown) => void,
): Promise<PgListener> {
  const guarded = (run: () => void) => {
    try {
      run();
    } catch (error) {
      onError(error);
    }
  };
  const listens: { unlisten(): Promise<void> }[] = [];
  try {
    for (const handler of handlers) {
      listens.push(
        await sql.listen(
          handler.channel,
          (payload) => guarded(() => handler.onNotice(payload)),
          () => guarded(() => handler.onOpen()),
        ),
      );
    }
  } catch (error) {
    await Promise.all(listens.map((listen) => listen.unlisten()));
    throw error;
  }
  return {
    async stop() {
      await Promise.all(listens.map((listen) => listen.unlisten().catch(onError)));
    },
  };
}
