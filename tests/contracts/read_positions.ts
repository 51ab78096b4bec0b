/**
 * The contract every {@linkcode ReadPositions} passes: a position only moves
 * forward, also when several connections (stores) report at once; each
 * account and room has its own.
 *
 * @example
 * ```ts
 * readPositionsContract("kv", async () => {
 *   const kv = await Deno.openKv(":memory:");
 *   return { open: () => Promise.resolve(createKvReadPositions(kv)), close: () => kv.close() };
 * });
 * ```
 */
import { deepEqual, equal } from "node:assert/strict";
import type { ReadPositions } from "../../lib/server/membership/mod.ts";

/** One engine's read positions, every `open` on one shared database. */
export interface ReadPositionsFixture {
  open(): Promise<ReadPositions>;
  close(): Promise<void> | void;
}

/** Registers the contract's tests for one engine. */
export function readPositionsContract(
  engine: string,
  setup: () => Promise<ReadPositionsFixture>,
): void {
  const test = (name: string, fn: (fixture: ReadPositionsFixture) => Promise<void>) =>
    Deno.test(`read positions (${engine}): ${name}`, async () => {
      const fixture = await setup();
      try {
        await fn(fixture);
      } finally {
        await fixture.close();
      }
    });

  test("a position moves forward only, per account and room", async ({ open }) => {
    const positions = await open();
    equal(await positions.advance("user:ada", "general", 5), 5);
    equal(await positions.advance("user:ada", "general", 3), null);
    equal(await positions.advance("user:ada", "general", 5), null);
    equal(await positions.advance("user:ada", "random", 2), 2);
    equal(await positions.advance("user:bob", "general", 1), 1);
    deepEqual(
      await positions.of("user:ada", ["general", "random", "empty"]),
      new Map([["general", 5], ["random", 2]]),
    );
    deepEqual(await positions.of("user:bob", ["general"]), new Map([["general", 1]]));
  });

  test("reports from several connections at once end at the highest", async ({ open }) => {
    const stores = await Promise.all([open(), open(), open()]);
    const seqs = Array.from({ length: 30 }, (_, index) => (index * 7) % 31 + 1);
    await Promise.all(seqs.map((seq, index) => stores[index % 3].advance("user:ada", "g", seq)));
    deepEqual(await stores[0].of("user:ada", ["g"]), new Map([["g", Math.max(...seqs)]]));
  });
}
