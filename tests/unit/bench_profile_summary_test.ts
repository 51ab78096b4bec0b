import { deepEqual, equal } from "node:assert/strict";
import {
  type CpuProfile,
  type HeapProfileNode,
  summarizeCpuProfile,
  summarizeHeapProfile,
} from "../../bench/profile_summary.ts";

const ROOT = "file:///app/";
const isOurs = (url: string) => url.startsWith(ROOT);
const frame = (functionName: string, url = "", lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

Deno.test("cpu samples go to the nearest project frame; idle is left out", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)"), children: [2, 5, 6, 7] },
      { id: 2, callFrame: frame("handle", `${ROOT}lib/app.ts`, 9), children: [3] },
      { id: 3, callFrame: frame("verify", "ext:deno_node/crypto.ts"), children: [4] },
      { id: 4, callFrame: frame("digest", "ext:deno_node/hash.ts") },
      { id: 5, callFrame: frame("(garbage collector)") },
      { id: 6, callFrame: frame("(idle)") },
      { id: 7, callFrame: frame("serve", "ext:deno_http/00_serve.ts") },
    ],
    samples: [4, 4, 3, 2, 5, 6, 6, 6, 7],
  };
  const summary = summarizeCpuProfile(profile, isOurs, ROOT);
  equal(summary.total, 6);
  deepEqual(summary.rows, [
    { frame: "handle lib/app.ts:10", share: 4 / 6 },
    { frame: "(garbage collector)", share: 1 / 6 },
    { frame: "outside the project's code", share: 1 / 6 },
  ]);
});

Deno.test("allocations go to the nearest project frame above them", () => {
  const node = (
    callFrame: ReturnType<typeof frame>,
    selfSize: number,
    children: HeapProfileNode[] = [],
  ): HeapProfileNode => ({ callFrame, selfSize, children });
  const head = node(frame("(root)"), 0, [
    node(frame("join", `${ROOT}lib/rooms.ts`, 4), 100, [
      node(frame("get", "ext:deno_kv/01_db.ts"), 300),
    ]),
    node(frame("upgrade", "ext:deno_http/02_websocket.ts"), 600),
  ]);
  const summary = summarizeHeapProfile({ head }, isOurs, ROOT);
  equal(summary.total, 1000);
  deepEqual(summary.rows, [
    { frame: "outside the project's code", share: 0.6 },
    { frame: "join lib/rooms.ts:5", share: 0.4 },
  ]);
});
