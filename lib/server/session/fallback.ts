/**
 * The fallback transport, for networks where WebSockets do not get through:
 * `GET /api/events` opens a session whose server frames stream as
 * `text/event-stream`, and `POST /api/send?session=ID` carries the client's
 * frames into it. The session is a hub connection like a WebSocket's, so
 * rooms, presence, resume, heartbeats, limits and drain work the same.
 *
 * Opening runs the same admission as a WebSocket (`admission.ts`), answered in
 * HTTP since a stream has no close code: draining → 503, a foreign `Origin` →
 * 403, a missing or bad token → 401, the per-user limit → 409, the per-address
 * limit → 429. `hello` is the first event.
 *
 * A POST holds one frame or an array of them; each goes through the hub as if
 * it had arrived on a socket (size, validation, rate limit), and the replies,
 * errors included, arrive on the stream: the POST only says 202. It answers
 * 401 without a valid token, 403 for another user's session, 404 for a session
 * no instance holds, 410 for one that is closing, and 413 (closing the session,
 * as 1009 closes a socket) for a body over a burst of full frames. A POST that
 * reaches another instance than its session's stream is relayed to the owner
 * through the cluster (`fallback_relay.ts`) and answered the same.
 *
 * @example
 * ```ts
 * const fallback = createFallback({
 *   config, hub, admit, tokens, clientAddress, events, clock, instance, instances,
 * });
 * app.get("/api/events", (ctx) => fallback.openStream(ctx.req, ctx.info));
 * app.post("/api/send", (ctx) => fallback.send(ctx.req));
 * ```
 */
import { CloseCode } from "../../protocol/codes.ts";
import type { Clock } from "../../time/clock.ts";
import type { EventBus } from "../bus/mod.ts";
import type { InstanceDirectory } from "../cluster/mod.ts";
import {
  bearerTokenOf,
  type ClientAddress,
  errorResponse,
  readBoundedBody,
  startSessionSpan,
} from "../http/mod.ts";
import type { Config } from "../config.ts";
import type { Connection } from "./connection.ts";
import { createEventStreamSocket, EVENT_STREAM_HEADERS } from "./event_stream_socket.ts";
import { createFallbackRelay, type Delivery, type SessionPost } from "./fallback_relay.ts";
import type { Hub } from "./hub.ts";
import { type AdmitSession, refusalResponse } from "./admission.ts";
import { authenticateRequest, type TokenIssuer } from "../auth/mod.ts";

/** What {@linkcode createFallback} needs. */
export interface FallbackOptions {
  config: Pick<Config, "maxFrameBytes" | "rateBurst">;
  hub: Pick<Hub, "attach" | "detach" | "receive" | "session">;
  tokens: TokenIssuer;
  /** The checks both transports run before a session starts. */
  admit: AdmitSession;
  clientAddress: ClientAddress;
  /** Carries POSTs to the instance that holds their session. */
  events: EventBus;
  /** Times how long a relayed POST waits for the session's owner. */
  clock: Clock;
  /** This instance's id. */
  instance: string;
  /** Who is alive, to relay only to a live owner. */
  instances: Pick<InstanceDirectory, "isLive">;
  /** How long a relayed POST waits for its owner's answer. Default `RELAY_TIMEOUT_MS`. */
  relayTimeoutMs?: number;
}

/** The two endpoints of the fallback transport. */
export interface Fallback {
  /** `GET /api/events`: opens a session and streams its frames. */
  openStream(req: Request, info: Deno.ServeHandlerInfo): Promise<Response>;
  /** `POST /api/send?session=ID`: hands the body's frames to the session. */
  send(req: Request): Promise<Response>;
  /** Stops relaying POSTs between instances. */
  close(): void;
}

/**
 * The frames of a body, each as the text a socket would have carried: the
 * elements of a JSON array, or the whole body (which the hub judges, so that
 * bad JSON gets the same `bad_frame` as on a socket).
 */
function framesOf(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [body];
  }
  return Array.isArray(parsed) ? parsed.map((frame) => JSON.stringify(frame)) : [body];
}

/** Why a session does not take a POST from `userId`; undefined when it does. */
function refusalOf(connection: Connection, userId: string): Delivery | undefined {
  if (connection.transport !== "sse") return "unknown";
  if (connection.user.id !== userId) return "forbidden";
  if (connection.state !== "open") return "closing";
  return undefined;
}

/** Creates the fallback transport's endpoints. */
export function createFallback(options: FallbackOptions): Fallback {
  const { config, hub, admit, tokens, clientAddress, events, clock, instance, instances } = options;
  // A POST carries at most what the rate limit would let through at once.
  const maxBodyBytes = config.maxFrameBytes * config.rateBurst;

  /** Hands a POST to a session of this instance, whichever instance received it. */
  const deliver = ({ session, user, body }: SessionPost): Delivery => {
    const connection = hub.session(session);
    if (!connection) return "unknown";
    const refusal = refusalOf(connection, user);
    if (refusal) return refusal;
    if (body === null) {
      connection.close(CloseCode.TOO_BIG, "request too big");
      return "too_large";
    }
    for (const frame of framesOf(body)) hub.receive(connection, frame);
    return "accepted";
  };
  const relay = createFallbackRelay({
    events,
    clock,
    instance,
    instances,
    deliver,
    timeoutMs: options.relayTimeoutMs,
  });

  const answer = (delivery: Delivery): Response => {
    switch (delivery) {
      case "accepted":
        return new Response(null, { status: 202 });
      case "forbidden":
        return errorResponse(403, "forbidden", "this session belongs to another user");
      case "closing":
        return errorResponse(410, "bad_request", "the session is closing; open /api/events again");
      case "too_large":
        return errorResponse(413, "too_large", `a request carries at most ${maxBodyBytes} bytes`);
      case "unknown":
        return errorResponse(404, "bad_request", "no such session; open /api/events again");
    }
  };

  return {
    async openStream(req, info) {
      const verdict = await admit({
        transport: "sse",
        req,
        address: clientAddress(req, info),
        speaksProtocol: true,
        token: bearerTokenOf(req),
      });
      if (!verdict.ok) return refusalResponse(verdict);

      const span = startSessionSpan("sse");
      const stream = createEventStreamSocket();
      const connection = hub.attach(stream, verdict.admission, "sse");
      stream.closed.then((code) => {
        if (connection) hub.detach(connection, code);
        span?.end({ code, session: connection?.session });
      });
      if (!connection) return errorResponse(503, "internal", "the session could not start");
      return new Response(stream.body, { headers: EVENT_STREAM_HEADERS });
    },

    async send(req) {
      const caller = await authenticateRequest(req, tokens);
      if (!caller.ok) return caller.response;
      const id = new URL(req.url).searchParams.get("session");
      if (!id) return errorResponse(400, "bad_request", "session: missing; use hello.session");
      // A session of this instance refuses before the body is read; another's owner judges it.
      const local = hub.session(id);
      const refusal = local && refusalOf(local, caller.user.id);
      if (refusal) return answer(refusal);
      const read = await readBoundedBody(req, maxBodyBytes);
      const post = {
        session: id,
        user: caller.user.id,
        body: read.ok ? new TextDecoder().decode(read.bytes) : null,
      };
      return answer(local ? deliver(post) : await relay.forward(post));
    },

    close: () => relay.close(),
  };
}
