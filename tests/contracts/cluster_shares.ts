/**
 * The contract of a cluster engine's keyed shares: what one instance sets,
 * the others see, and lose again when it removes it, says goodbye, or stops
 * without a word (within its expiry); an instance that starts later sees what
 * is set already; a key changed faster than its space's interval goes out as
 * its latest value.
 *
 * @example
 * ```ts
 * clusterSharesContract("kv", setupKvFixture);
 * ```
 */
import { deepEqual, ok } from "node:assert/strict";
import { z } from "zod";
import type { Cluster, KeyedShares, ShareChange } from "../../lib/server/cluster/mod.ts";
import {
  type ClusterFixture,
  clusterTest,
  DEADLINE_MS,
  SHORT_EXPIRY_MS,
  when,
  within,
} from "./cluster_fixture.ts";

const Count = z.number().int().positive();

/** An instance's `counts` shares, and every change it heard. */
function counts(cluster: Cluster, minIntervalMs = 0) {
  const shares: KeyedShares<number> = cluster.keyedShares("counts", {
    schema: Count,
    minIntervalMs,
  });
  const heard: ShareChange<number>[] = [];
  const listeners = new Set<() => void>();
  shares.onChange((change) => {
    heard.push(change);
    listeners.forEach((listener) => listener());
  });
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const until = (what: string, condition: () => boolean) =>
    within(DEADLINE_MS, what, when(subscribe, condition));
  return { shares, heard, until };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Registers the shares contract's tests for one engine. */
export function clusterSharesContract(engine: string, setup: () => Promise<ClusterFixture>) {
  const test = clusterTest("cluster shares", engine, setup);

  test("a value set on one instance is seen by the others, and its removal", async (start) => {
    const [a, b, c] = [await start(), await start(), await start()];
    const [onA, onB, onC] = [counts(a), counts(b), counts(c)];
    onA.shares.set("u ada", 2);
    onB.shares.set("u ada", 1);
    await onC.until("both counts", () => sum(onC.shares.others("u ada")) === 3);
    await onA.until("B's count on A", () => sum(onA.shares.others("u ada")) === 1);
    deepEqual(onA.shares.others("u ada"), [1], "its own value is not among the others'");

    onA.shares.set("u ada", null);
    await onC.until("A's removal", () => sum(onC.shares.others("u ada")) === 1);
    await onB.until("A's removal on B", () => onB.shares.others("u ada").length === 0);
    deepEqual(
      onC.heard.filter((change) => change.instance === a.instance).map((change) => change.value),
      [2, null],
    );
  });

  test("an instance that starts later hears every value already set", async (start) => {
    const a = await start();
    const onA = counts(a);
    onA.shares.set("u ada", 1);
    onA.shares.set("u bob", 4);
    await onA.shares.flushed();
    const late = await start();
    const onLate = counts(late);
    await onLate.until("A's values", () => onLate.heard.length >= 2);
    deepEqual(onLate.shares.others("u bob"), [4]);
    deepEqual(onLate.shares.others("u ada"), [1]);
  });

  test("an instance's values go with its goodbye", async (start) => {
    const [a, b] = [await start(), await start()];
    const [onA, onB] = [counts(a), counts(b)];
    onA.shares.set("a 203.0.113.9", 3);
    await onB.until("A's value", () => onB.shares.others("a 203.0.113.9").length === 1);
    await a.close();
    await onB.until("A's goodbye", () => onB.shares.others("a 203.0.113.9").length === 0);
    deepEqual(onB.heard.at(-1), { instance: a.instance, key: "a 203.0.113.9", value: null });
  });

  test("an instance that stops without a word loses its values within its expiry", async (start) => {
    const a = await start({ expiryMs: SHORT_EXPIRY_MS });
    const b = await start({ expiryMs: SHORT_EXPIRY_MS });
    const [onA, onB] = [counts(a), counts(b)];
    onA.shares.set("u ada", 5);
    await onB.until("A's value", () => sum(onB.shares.others("u ada")) === 5);
    const stoppedAt = Date.now();
    await a.close({ goodbye: false });
    await onB.until("A's expiry", () => onB.shares.others("u ada").length === 0);
    const tookMs = Date.now() - stoppedAt;
    ok(tookMs < 2 * SHORT_EXPIRY_MS + 1_000, `gone after ${tookMs} ms`);
  });

  test("a key changed within its interval goes out once more, as its latest value", async (start) => {
    const [a, b] = [await start(), await start()];
    const [onA, onB] = [counts(a, 300), counts(b, 300)];
    onA.shares.set("u ada", 1);
    onA.shares.set("u ada", 2);
    onA.shares.set("u ada", 3);
    await onB.until("the latest value", () => sum(onB.shares.others("u ada")) === 3);
    await onA.shares.flushed();
    const values = onB.heard.map((change) => change.value);
    deepEqual(values.at(-1), 3);
    ok(!values.includes(2), `a value set and replaced within the interval went out: ${values}`);
  });
}
