/**
 * Summaries of V8 profiles taken with `node:inspector` (`Profiler` and
 * `HeapProfiler` sampling, the formats Chrome DevTools opens): each sample is
 * charged to the nearest frame of the project's own code on its stack, so a
 * table says which of our functions the time or the allocations came from,
 * Deno's internals they called included.
 *
 * @example
 * ```ts
 * const cpu = summarizeCpuProfile(profile, (url) => url.includes("/lib/"));
 * cpu.rows[0]; // { frame: "verify lib/server/auth/tokens.ts:65", share: 0.12 }
 * ```
 */

/** Where a profile node's code is. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** A node of a CPU profile (`Profiler.stop`). */
export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

/** A CPU profile (`Profiler.stop`). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
}

/** A node of a sampling heap profile (`HeapProfiler.stopSampling`). */
export interface HeapProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapProfileNode[];
}

/** A sampling heap profile (`HeapProfiler.stopSampling`). */
export interface HeapProfile {
  head: HeapProfileNode;
}

/** One line of a summary: a frame and its share of the whole. */
export interface SummaryRow {
  frame: string;
  share: number;
}

/** A profile charged to the project's frames. */
export interface ProfileSummary {
  /** Busy samples (CPU) or sampled bytes (heap). */
  total: number;
  rows: SummaryRow[];
}

/** Charged to no frame of ours: Deno's own work (the HTTP server, timers) or V8's. */
const OUTSIDE = "outside the project's code";

function frameName({ functionName, url, lineNumber }: CallFrame, root: string): string {
  const file = url.startsWith(root) ? url.slice(root.length) : url;
  return `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
}

function rowsOf(charges: Map<string, number>, total: number): SummaryRow[] {
  return [...charges]
    .map(([frame, amount]) => ({ frame, share: total === 0 ? 0 : amount / total }))
    .sort((a, b) => b.share - a.share);
}

function charge(charges: Map<string, number>, frame: string, amount: number) {
  charges.set(frame, (charges.get(frame) ?? 0) + amount);
}

/**
 * Charges each busy sample of a CPU profile to the nearest frame on its stack
 * whose URL `isOurs`; V8's own entries (`(garbage collector)`, `(program)`)
 * keep their names, and `(idle)` is left out.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  isOurs: (url: string) => boolean,
  root = "",
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const charges = new Map<string, number>();
  let total = 0;
  for (const id of profile.samples) {
    const leaf = nodes.get(id)!.callFrame;
    if (leaf.functionName === "(idle)") continue;
    total++;
    let owner: string | undefined;
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)!.callFrame;
      if (isOurs(frame.url)) {
        owner = frameName(frame, root);
        break;
      }
    }
    charge(charges, owner ?? (leaf.functionName.startsWith("(") ? leaf.functionName : OUTSIDE), 1);
  }
  return { total, rows: rowsOf(charges, total) };
}

/** Charges each sampled allocation to the nearest frame on its stack whose URL `isOurs`. */
export function summarizeHeapProfile(
  profile: HeapProfile,
  isOurs: (url: string) => boolean,
  root = "",
): ProfileSummary {
  const charges = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapProfileNode, owner: string | undefined) => {
    const here = isOurs(node.callFrame.url) ? frameName(node.callFrame, root) : owner;
    if (node.selfSize > 0) {
      total += node.selfSize;
      charge(charges, here ?? OUTSIDE, node.selfSize);
    }
    for (const child of node.children) visit(child, here);
  };
  visit(profile.head, undefined);
  return { total, rows: rowsOf(charges, total) };
}
