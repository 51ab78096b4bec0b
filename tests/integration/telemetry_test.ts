/**
 * Spans under Deno's built-in OpenTelemetry (`lib/server/http/telemetry.ts`, through
 * `@opentelemetry/api`): a server process exports OTLP/JSON to a collector in
 * this test, which checks the request spans' names and the session spans.
 * The process is `deno serve main.ts`, as on Deno Deploy: `Deno.serve` makes
 * the request's span active in the handler; the guarded `node:http` server of
 * `serve.ts` does not (docs/security.md, item 2, "Limits").
 */
import { equal, ok } from "node:assert/strict";
import { signInAsGuest } from "../_helpers/guest.ts";
import { TEST_SECRET } from "../_helpers/server.ts";
import { openSocket } from "../_helpers/socket.ts";
import { spawnServer } from "./deploy_process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

interface ExportedSpan {
  name: string;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
}

/** An OTLP/JSON trace collector on a free port, with a wait for a span by name. */
function startCollector() {
  const spans: ExportedSpan[] = [];
  const waiting: { name: string; resolve: (span: ExportedSpan) => void }[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const body = await req.json();
    for (const resource of body.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const attributes = Object.fromEntries(
            (span.attributes ?? []).map((
              { key, value }: { key: string; value: OtlpValue },
            ) => [key, value.stringValue ?? value.doubleValue ?? Number(value.intValue)]),
          );
          const exported = { name: span.name, attributes };
          spans.push(exported);
          for (const waiter of waiting.filter((waiter) => waiter.name === span.name)) {
            waiter.resolve(exported);
          }
        }
      }
    }
    return Response.json({});
  });
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    /** The first span named `name`, exported already or later (within 20 s). */
    span(name: string): Promise<ExportedSpan> {
      const found = spans.find((span) => span.name === name);
      if (found) return Promise.resolve(found);
      const { promise, resolve } = Promise.withResolvers<ExportedSpan>();
      waiting.push({ name, resolve });
      const deadline = AbortSignal.timeout(20_000);
      return Promise.race([
        promise,
        new Promise<never>((_, reject) =>
          deadline.addEventListener(
            "abort",
            () =>
              reject(new Error(`no span "${name}"; got ${spans.map((s) => s.name).join(", ")}`)),
          )
        ),
      ]);
    },
    shutdown: () => server.shutdown(),
  };
}

Deno.test("with OpenTelemetry on, requests are named by route and sessions get spans", async () => {
  const collector = startCollector();
  const dir = await Deno.makeTempDir({ prefix: "sb-telemetry-" });
  try {
    await using server = await spawnServer(
      Deno.execPath(),
      ["serve", "-A", "--host", "127.0.0.1", "--port", "0", "main.ts"],
      {
        cwd: ROOT,
        env: {
          KV_PATH: `${dir}/switchboard.kv`,
          JWT_SECRETS: TEST_SECRET,
          LOG_LEVEL: "error",
          OTEL_DENO: "true",
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_BSP_SCHEDULE_DELAY: "100",
        },
      },
    );
    await (await fetch(`${server.origin}/api/status`)).body?.cancel();
    await (await fetch(`${server.origin}/no-such-page`)).body?.cancel();
    const { token } = await signInAsGuest(server.origin, "traced");
    {
      await using socket = await openSocket(`${server.origin.replace("http", "ws")}/api/ws`, {
        token,
      });
      equal((await socket.next()).type, "hello");
      socket.socket.close(1000);
    }

    const status = await collector.span("GET /api/status");
    equal(status.attributes["http.route"], "/api/status");
    equal((await collector.span("GET unmatched")).attributes["http.route"], "unmatched");
    const session = await collector.span("websocket session");
    equal(session.attributes["switchboard.transport"], "websocket");
    equal(session.attributes["switchboard.close_code"], 1000);
    ok(String(session.attributes["switchboard.session"]).length > 0);
  } finally {
    await collector.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
