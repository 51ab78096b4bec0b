/**
 * From raw data on a connection to handled frames, in order: any data counts
 * as a sign of life; a frame over `max_frame_bytes` closes the socket (1009);
 * a binary or malformed frame gets `error` `bad_frame`; every frame but
 * `ping`/`pong` is charged to the connection's rate limit (`rate_limited`, and
 * 4429 when it goes on); a valid frame is queued for its connection's handler.
 *
 * Frames of a connection are handled one at a time, in order, with one
 * exception: a `send` starts once the sends before it have started, not
 * finished. Each `send` queues its commit before its first wait, so the log
 * still takes them in order (and acks them in order per room), but a burst of
 * sends that arrived together becomes one commit instead of one each. Any
 * other frame waits for everything before it. A handler that fails costs its
 * frame an `error` `internal`, nothing more; a failure in the pipeline itself
 * closes that one connection (1011).
 *
 * @example
 * ```ts
 * const inbound = createInbound({ config, clock, log, metrics, handle, closeWith });
 * inbound.receive(connection, event.data);
 * await inbound.settled(); // every frame handled so far has finished
 * ```
 */
import { CloseCode } from "../../protocol/codes.ts";
import type { ClientFrame } from "../../protocol/frames.ts";
import { parseClientFrame } from "../../protocol/parse.ts";
import type { Clock } from "../../time/clock.ts";
import type { Config } from "../config.ts";
import type { Logger } from "../log.ts";
import type { SwitchboardMetrics } from "../metrics/mod.ts";
import type { Connection } from "./connection.ts";

/** What {@linkcode createInbound} needs. */
export interface InboundOptions {
  config: Pick<Config, "maxFrameBytes">;
  clock: Clock;
  log: Pick<Logger, "warn" | "error">;
  metrics: Pick<SwitchboardMetrics, "framesReceived" | "rateLimited" | "errors">;
  /** Handles one valid frame; a rejection becomes `error` `internal` for that frame. */
  handle(connection: Connection, frame: ClientFrame, receivedAt: number): Promise<void>;
  /** Closes a connection for cause, saying why in the log. */
  closeWith(connection: Connection, code: number, reason: string): void;
}

/** The inbound side of every connection of a hub. */
export interface Inbound {
  /** Takes data received on an open connection. Never throws. */
  receive(connection: Connection, data: unknown): void;
  /** Settles once every frame taken so far has been handled (a commit, a history read). */
  settled(): Promise<void>;
}

/** Whether a text frame is over `maxBytes` in UTF-8 (encoding it only when its length cannot tell). */
function isTooBig(text: string, maxBytes: number): boolean {
  // A string has at most as many UTF-16 units as its UTF-8 encoding has bytes.
  return text.length > maxBytes || new TextEncoder().encode(text).byteLength > maxBytes;
}

function binarySize(data: unknown): number {
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (data instanceof Blob) return data.size;
  return 0;
}

/** Creates the {@linkcode Inbound} pipeline. */
export function createInbound(options: InboundOptions): Inbound {
  const { config, clock, log, metrics, handle, closeWith } = options;

  /** Frame handling still under way, so that closing waits for it. */
  const inFlight = new Set<Promise<void>>();

  const failed = (connection: Connection, frame: ClientFrame) => (error: unknown) => {
    log.error("ws.handler_failed", {
      ...connection.logFields,
      code: "internal",
      frame: frame.type,
      error: String(error),
    });
    metrics.errors.record("internal", `${frame.type} failed: ${String(error)}`);
    connection.sendError("internal", "the server failed to handle this frame", {
      ...(frame.ref === undefined ? {} : { ref: frame.ref }),
    });
  };

  const track = (handled: Promise<void>) => {
    inFlight.add(handled);
    handled.finally(() => inFlight.delete(handled));
  };

  /** Queues a frame behind its connection's earlier ones (see the module doc for `send`). */
  const enqueue = (connection: Connection, frame: ClientFrame, receivedAt: number) => {
    if (frame.type !== "send") {
      const handled = connection.inbox.then(() => handle(connection, frame, receivedAt))
        .catch(failed(connection, frame));
      connection.inbox = handled;
      connection.sendGate = handled;
      track(handled);
      return;
    }
    let handled: Promise<void> | undefined;
    const started = connection.sendGate.then(() => {
      handled = handle(connection, frame, receivedAt).catch(failed(connection, frame));
    });
    const done = started.then(() => handled);
    connection.inbox = Promise.all([connection.inbox, done]).then(() => {});
    connection.sendGate = started;
    track(done);
  };

  /** Charges a frame to the rate limit; false (after answering) if it is refused. */
  const admitFrame = (connection: Connection, ref: string | undefined): boolean => {
    const verdict = connection.rateLimit.check();
    if (verdict.allowed) return true;
    metrics.rateLimited.inc();
    if (verdict.abusive) {
      log.warn("ws.rate_abuse", { ...connection.logFields, code: CloseCode.RATE_LIMITED });
      closeWith(connection, CloseCode.RATE_LIMITED, "rate limit exceeded for too long");
      return false;
    }
    log.warn("ws.rate_limited", { ...connection.logFields, code: "rate_limited" });
    connection.sendError("rate_limited", "too many frames; slow down", {
      retryAfterMs: verdict.retryAfterMs,
      ...(ref === undefined ? {} : { ref }),
    });
    return false;
  };

  const receiveFrame = (connection: Connection, data: unknown) => {
    const receivedAt = clock.now();
    connection.lastSeenAt = receivedAt;

    if (typeof data !== "string") {
      metrics.framesReceived.labels("other").inc();
      if (binarySize(data) > config.maxFrameBytes) {
        closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      } else if (admitFrame(connection, undefined)) {
        log.warn("ws.bad_frame", { ...connection.logFields, code: "bad_frame", field: "" });
        connection.sendError("bad_frame", "binary frames are not accepted; send JSON text");
      }
      return;
    }
    if (isTooBig(data, config.maxFrameBytes)) {
      metrics.framesReceived.labels("other").inc();
      closeWith(connection, CloseCode.TOO_BIG, "frame too big");
      return;
    }

    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      metrics.framesReceived.labels("other").inc();
      if (!admitFrame(connection, parsed.error.ref)) return;
      log.warn("ws.bad_frame", {
        ...connection.logFields,
        code: "bad_frame",
        field: parsed.error.field,
      });
      connection.sendError("bad_frame", parsed.error.message, {
        ...(parsed.error.ref === undefined ? {} : { ref: parsed.error.ref }),
      });
      return;
    }
    const frame = parsed.frame;
    metrics.framesReceived.labels(frame.type).inc();
    if (frame.type !== "ping" && frame.type !== "pong" && !admitFrame(connection, frame.ref)) {
      return;
    }
    enqueue(connection, frame, receivedAt);
  };

  return {
    /** One bad frame must cost its connection at most: a failure here closes that socket only. */
    receive(connection, data) {
      if (connection.state !== "open") return;
      try {
        receiveFrame(connection, data);
      } catch (error) {
        log.error("ws.receive_failed", {
          ...connection.logFields,
          code: "internal",
          error: String(error),
        });
        metrics.errors.record("internal", `a received frame failed: ${String(error)}`);
        closeWith(connection, CloseCode.SERVER_ERROR, "server error");
      }
    },
    async settled() {
      await Promise.all(inFlight);
    },
  };
}
