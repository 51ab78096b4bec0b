/**
 * Useful span names under Deno's built-in OpenTelemetry (`OTEL_DENO=true`).
 * Deno names each request's span after its method only (`GET`); the request
 * middleware renames it `GET /api/status` and sets `http.route`, and each
 * client session gets a span of its own (`websocket session`, `sse session`)
 * from the upgrade to the close, carrying the close code.
 *
 * Deno exposes its spans through `Deno.telemetry.contextManager`, the
 * context manager `npm:@opentelemetry/api` reads, under that package's span
 * key; using them directly spares the dependency. With OpenTelemetry off there
 * is no active span and every function here does nothing.
 *
 * @example
 * ```ts
 * app.use(nameRequestSpans);
 * const span = startSessionSpan("websocket"); // in the upgrade request
 * span?.end({ code: 1000, session });
 * ```
 */
import type { Context } from "../framework/context.ts";
import type { Transport } from "./metrics/mod.ts";

/** The context key `npm:@opentelemetry/api` stores the active span under. */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");

/** The part of an OpenTelemetry span used here. */
interface Span {
  updateName(name: string): void;
  setAttribute(key: string, value: string | number): void;
  end(): void;
}

/** The span of the request being handled; undefined when OpenTelemetry is off. */
function activeSpan(): Span | undefined {
  try {
    return Deno.telemetry.contextManager.active().getValue(SPAN_KEY) as Span | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Middleware naming the request's span `METHOD route`. Every Switchboard
 * route is a literal path, so the path is the route; unmatched paths (404)
 * are named `unmatched` to keep span names few.
 */
export async function nameRequestSpans<State>(ctx: Context<State>): Promise<Response> {
  const response = await ctx.next();
  const span = activeSpan();
  if (span) {
    const route = response.status === 404 ? "unmatched" : ctx.url.pathname;
    span.updateName(`${ctx.req.method} ${route}`);
    span.setAttribute("http.route", route);
  }
  return response;
}

/** A client session's span, ended when the session closes. */
export interface SessionSpan {
  end(outcome: { code: number; session?: string }): void;
}

/** Starts a session span as a child of the current request's span; undefined when tracing is off. */
export function startSessionSpan(transport: Transport): SessionSpan | undefined {
  if (!activeSpan()) return undefined;
  try {
    const span: Span = Deno.telemetry.tracerProvider.getTracer("switchboard")
      .startSpan(`${transport} session`, {
        attributes: { "switchboard.transport": transport },
      });
    return {
      end({ code, session }) {
        span.setAttribute("switchboard.close_code", code);
        if (session) span.setAttribute("switchboard.session", session);
        span.end();
      },
    };
  } catch {
    // Tracing is configured but not initialized; sessions go untraced.
    return undefined;
  }
}
