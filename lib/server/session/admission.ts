/**
 * The checks before a session starts, the same for both transports and in the
 * contract's order: draining → origin → protocol version → token → limits.
 * The first that fails decides, and the verdict says which; each transport
 * answers it in its own terms:
 *
 * | refusal | WebSocket | event stream |
 * | --- | --- | --- |
 * | `draining` | HTTP 503, no upgrade | 503 |
 * | `origin` | HTTP 403, no upgrade | 403 |
 * | `version` | close 4400 | (the stream has no version to offer) |
 * | `auth` | close 4401 | 401 |
 * | `user_limit` | close 4409 | 409 |
 * | `address_limit` | close 4429 | 429 |
 *
 * A socket hears the later refusals as a close code right after its upgrade,
 * before any frame, so a browser sees the code rather than a failed handshake.
 * Every refusal is counted by reason and logged; the limits are the hub's, which
 * counts its own (it checks them again when a socket opens, as others may have
 * come in between).
 *
 * @example
 * ```ts
 * const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
 * const verdict = await admit({
 *   transport: "sse",
 *   req,
 *   address: clientAddress(req, info),
 *   speaksProtocol: true,
 *   token: bearerTokenOf(req),
 * });
 * if (!verdict.ok) return refusalResponse(verdict);
 * hub.attach(stream, verdict.admission, "sse");
 * ```
 */
import { CloseCode, type ErrorCode } from "../../protocol/codes.ts";
import type { SessionUser } from "../../protocol/frames.ts";
import { PROTOCOL } from "../../protocol/version.ts";
import type { TokenIssuer } from "../auth/mod.ts";
import type { Config } from "../config.ts";
import { errorResponse, isAllowedOrigin } from "../http/mod.ts";
import type { Logger } from "../log.ts";
import type { RefusalReason, SwitchboardMetrics, Transport } from "../metrics/mod.ts";

/** A client that passed every check. */
export interface Admission {
  user: SessionUser;
  tokenExpiresAt: number;
  address: string;
  /** The sign-in the token belongs to (its `sid`), if any. */
  loginId?: string;
}

/** Why a session may not start: every reason a handshake is refused but a plain request's. */
export type SessionRefusal = Exclude<RefusalReason, "not_websocket">;

/** The refusals of the limits the hub keeps. */
export type LimitRefusal = Extract<SessionRefusal, "draining" | "user_limit" | "address_limit">;

/** A refusal and the words for it (a close reason is at most 123 bytes: these are short). */
export interface Refused<R extends SessionRefusal = SessionRefusal> {
  ok: false;
  refusal: R;
  message: string;
}

/** The outcome of {@linkcode AdmitSession}. */
export type SessionVerdict = { ok: true; admission: Admission } | Refused;

/** What a client brought to start a session. */
export interface SessionRequest {
  transport: Transport;
  /** The request's `Origin` is judged against `ALLOWED_ORIGINS` (or the server's own). */
  req: Request;
  /** The client's address, for the per-address limit. */
  address: string;
  /** Whether the client offered this protocol version; true where a transport offers none. */
  speaksProtocol: boolean;
  /** The access token the client sent, if any. */
  token: string | undefined;
}

/** The limits on sessions, kept by the hub. */
export interface SessionLimits {
  /** False once draining: no new sessions. */
  readonly accepting: boolean;
  /** Whether `admission` fits the limits now; a refusal is counted by the hub. */
  admit(admission: Admission): Refused<LimitRefusal> | undefined;
}

/** Runs the checks; never throws. */
export type AdmitSession = (request: SessionRequest) => Promise<SessionVerdict>;

/** What {@linkcode createSessionAdmission} needs. */
export interface SessionAdmissionOptions {
  config: Pick<Config, "allowedOrigins">;
  limits: SessionLimits;
  tokens: Pick<TokenIssuer, "verify">;
  metrics: Pick<SwitchboardMetrics, "handshakesRefused">;
  log: Pick<Logger, "info" | "warn">;
}

/**
 * The close code of each refusal, for a socket that hears it after its upgrade
 * (a WebSocket route answers `origin` and `draining` in HTTP before it; the hub
 * closes with 1012 when draining began between an upgrade and its open).
 */
export const REFUSAL_CLOSE_CODES: Readonly<Record<SessionRefusal, CloseCode>> = {
  draining: CloseCode.RESTARTING,
  origin: CloseCode.FORBIDDEN,
  version: CloseCode.BAD_REQUEST,
  auth: CloseCode.UNAUTHORIZED,
  user_limit: CloseCode.TOO_MANY_CONNECTIONS,
  address_limit: CloseCode.RATE_LIMITED,
};

/** The HTTP status and error code of each refusal. */
const REFUSAL_STATUSES: Readonly<Record<SessionRefusal, { status: number; code: ErrorCode }>> = {
  draining: { status: 503, code: "internal" },
  origin: { status: 403, code: "forbidden" },
  version: { status: 400, code: "bad_request" },
  auth: { status: 401, code: "unauthorized" },
  user_limit: { status: 409, code: "rate_limited" },
  address_limit: { status: 429, code: "rate_limited" },
};

/**
 * A refusal as an HTTP response with the contract's error body; draining says
 * when to come back (`Retry-After: 1`).
 *
 * @example
 * ```ts
 * refusalResponse({ ok: false, refusal: "origin", message: "origin not allowed" }).status; // 403
 * ```
 */
export function refusalResponse({ refusal, message }: Refused): Response {
  const { status, code } = REFUSAL_STATUSES[refusal];
  return errorResponse(status, code, message, refusal === "draining" ? { "retry-after": "1" } : {});
}

/**
 * Creates the one admission step both transports run.
 *
 * @example
 * ```ts
 * const admit = createSessionAdmission({ config, limits: hub, tokens, metrics, log });
 * ```
 */
export function createSessionAdmission(options: SessionAdmissionOptions): AdmitSession {
  const { config, limits, tokens, metrics, log } = options;

  const refused = (refusal: SessionRefusal, message: string): Refused => {
    metrics.handshakesRefused.labels(refusal).inc();
    return { ok: false, refusal, message };
  };
  const rejected = (transport: Transport, refusal: SessionRefusal, message: string) => {
    log.info("ws.rejected", { transport, reason: refusal, message });
    return refused(refusal, message);
  };

  return async ({ transport, req, address, speaksProtocol, token }) => {
    if (!limits.accepting) return refused("draining", "server restarting");
    if (!isAllowedOrigin(req, new URL(req.url), config.allowedOrigins)) {
      log.warn("ws.origin_refused", { transport, origin: req.headers.get("origin") });
      return refused("origin", "origin not allowed");
    }
    if (!speaksProtocol) return rejected(transport, "version", `offer subprotocol ${PROTOCOL}`);
    if (!token) return rejected(transport, "auth", "token missing");
    const verified = await tokens.verify(token);
    if (!verified.ok) return rejected(transport, "auth", verified.reason);
    const admission: Admission = {
      user: verified.user,
      tokenExpiresAt: verified.expiresAt,
      address,
      loginId: verified.loginId,
    };
    return limits.admit(admission) ?? { ok: true, admission };
  };
}
