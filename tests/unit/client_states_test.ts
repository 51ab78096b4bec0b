import assert from "node:assert/strict";
import {
  type ConnectionState,
  createAttemptLog,
  createStateMachine,
  TRANSITIONS,
} from "../../lib/client/states.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const STATES = Object.keys(TRANSITIONS) as ConnectionState[];

/** A machine walked into `state` along allowed moves. */
function machineIn(state: ConnectionState, lines: string[] = []) {
  const machine = createStateMachine({ clock: createVirtualClock(), log: (l) => lines.push(l) });
  const paths: Record<ConnectionState, ConnectionState[]> = {
    idle: [],
    connecting: ["connecting"],
    open: ["connecting", "open"],
    degraded: ["connecting", "open", "degraded"],
    reconnecting: ["connecting", "reconnecting"],
    fallback: ["connecting", "fallback"],
    failed: ["connecting", "failed"],
    closed: ["closed"],
  };
  for (const step of paths[state]) assert.ok(machine.transition(step, "setup"));
  return machine;
}

Deno.test("every allowed transition is taken and logged once", () => {
  for (const from of STATES) {
    for (const to of TRANSITIONS[from]) {
      const lines: string[] = [];
      const machine = machineIn(from, lines);
      const before = lines.length;
      assert.equal(machine.transition(to, "because"), true, `${from} → ${to}`);
      assert.equal(machine.state.value, to);
      assert.deepEqual(lines.slice(before), [`switchboard: ${from} → ${to}: because`]);
      assert.deepEqual(machine.transitions.value.at(-1), { at: 0, from, to, reason: "because" });
    }
  }
});

Deno.test("every other transition is refused and changes nothing", () => {
  for (const from of STATES) {
    for (const to of STATES) {
      if (to === from || TRANSITIONS[from].includes(to)) continue;
      const machine = machineIn(from);
      const count = machine.transitions.value.length;
      assert.equal(machine.transition(to, "nope"), false, `${from} → ${to}`);
      assert.equal(machine.state.value, from);
      assert.equal(machine.transitions.value.length, count);
    }
  }
});

Deno.test("repeated reports of the current state are suppressed", () => {
  const lines: string[] = [];
  const machine = machineIn("open", lines);
  const before = lines.length;
  assert.equal(machine.transition("degraded", "slow"), true);
  assert.equal(machine.transition("degraded", "slow"), false);
  assert.equal(machine.transition("degraded", "still slow"), false);
  assert.equal(lines.length, before + 1);
});

Deno.test("the transition list is bounded", () => {
  const machine = createStateMachine({ clock: createVirtualClock(), log: () => {}, keep: 3 });
  for (const to of ["connecting", "open", "degraded", "open", "reconnecting"] as const) {
    machine.transition(to, "x");
  }
  assert.deepEqual(machine.transitions.value.map((t) => t.to), [
    "degraded",
    "open",
    "reconnecting",
  ]);
});

Deno.test("the attempt log records start, ready, end and retry, keeping the newest", () => {
  const clock = createVirtualClock(1_000);
  const log = createAttemptLog(clock, 2);
  log.start(1, "websocket");
  clock.advance(50);
  log.end("network", 1006, "refused");
  log.retryIn(1_000);
  log.start(2, "websocket");
  log.ready();
  log.start(1, "http");
  const [second, third] = log.attempts.value;
  assert.equal(log.attempts.value.length, 2);
  assert.deepEqual(second, {
    n: 2,
    transport: "websocket",
    startedAt: 1_050,
    readyAt: 1_050,
    endedAt: null,
    cause: null,
    code: null,
    reason: "",
    retryDelayMs: null,
  });
  assert.equal(third.transport, "http");
});
