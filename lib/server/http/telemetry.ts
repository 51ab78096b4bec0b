/**
 * Useful span names under Deno's built-in OpenTelemetry (`OTEL_DENO=true`).
 * Deno names each request's span after its method only (`GET`); the request
 * middleware renames it `GET /api/status` and sets `http.route`, and each
 * client session gets a span of its own (`websocket session`, `sse session`)
 * from the upgrade to the close, carrying the close code.
 *
 * Deno's built-in OpenTelemetry registers itself behind `@opentelemetry/api`,
 * so the documented calls reach it: `trace.getActiveSpan()` for the request's
 * span, `trace.getTracer()` for new ones. With OpenTelemetry off there is no
 * active span and every function here does nothing.
 *
 * @example
 * ```ts
 * app.use(nameRequestSpans);
 * const span = startSessionSpan("websocket"); // in the upgrade request
 * span?.end({ code: 1000, session });
 * ```
 */
import { trace } from "@opentelemetry/api";
import type { Context } from "../../framework/context.ts";
import type { Transport } from "../metrics/mod.ts";

/**
 * Middleware naming the request's span `METHOD route`. Every Switchboard
 * route is a literal path, so the path is the route; unmatched paths (404)
 * are named `unmatched` to keep span names few.
 */
export async function nameRequestSpans<State>(ctx: Context<State>): Promise<Response> {
  const response = await ctx.next();
  const span = trace.getActiveSpan();
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
  if (!trace.getActiveSpan()) return undefined;
  const span = trace.getTracer("switchboard").startSpan(`${transport} session`, {
    attributes: { "switchboard.transport": transport },
  });
  return {
    end({ code, session }) {
      span.setAttribute("switchboard.close_code", code);
      if (session) span.setAttribute("switchboard.session", session);
      span.end();
    },
  };
}
