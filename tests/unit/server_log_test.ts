import { deepEqual, equal } from "node:assert/strict";
import { createLogger } from "../../lib/server/log.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

function setup(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const clock = createVirtualClock(1000);
  const log = createLogger({ sink: (line) => lines.push(line), clock, level });
  return { log, clock, read: () => lines.map((line) => JSON.parse(line)) };
}

Deno.test("logger writes one JSON object per line with level and event", () => {
  const { log, read } = setup();
  log.info("ws.open", { session: "s1", user: "user:ada" });
  log.warn("ws.closing", { session: "s1", user: "user:ada", code: 4408 });
  deepEqual(read(), [
    { ts: 1000, level: "info", event: "ws.open", session: "s1", user: "user:ada" },
    { ts: 1000, level: "warn", event: "ws.closing", session: "s1", user: "user:ada", code: 4408 },
  ]);
});

Deno.test("logger suppresses consecutive duplicates and reports how many", () => {
  const { log, clock, read } = setup();
  for (let i = 0; i < 4; i++) {
    log.warn("ws.bad_frame", { session: "s1", code: "bad_frame" });
    clock.advance(10);
  }
  log.info("ws.close", { session: "s1" });
  log.info("ws.close", { session: "s1" });
  log.flush();
  deepEqual(read(), [
    { ts: 1000, level: "warn", event: "ws.bad_frame", session: "s1", code: "bad_frame" },
    {
      ts: 1040,
      level: "warn",
      event: "ws.bad_frame",
      session: "s1",
      code: "bad_frame",
      message: "repeated 3 times",
    },
    { ts: 1040, level: "info", event: "ws.close", session: "s1" },
    { ts: 1040, level: "info", event: "ws.close", session: "s1", message: "repeated 1 times" },
  ]);
  log.flush();
  equal(read().length, 4);
});

Deno.test("logger drops lines below its level", () => {
  const { log, read } = setup("warn");
  log.debug("a");
  log.info("b");
  log.error("c");
  deepEqual(read().map((line) => line.event), ["c"]);
});
