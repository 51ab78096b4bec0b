import assert from "node:assert/strict";
import { allReadyMsOf } from "../../bench/loadgen/loadgen.ts";

Deno.test("a storm is timed from the first socket, not from before the tokens were minted", () => {
  // Worker A minted until 100, worker B until 104: the 0–100 ms of signing are not the server's.
  assert.equal(
    allReadyMsOf([{ openingAt: 100, lastReadyAt: 300 }, { openingAt: 104, lastReadyAt: 310 }]),
    210,
  );
});

Deno.test("a worker whose sockets all failed still marks when the storm began", () => {
  assert.equal(
    allReadyMsOf([{ openingAt: 90, lastReadyAt: 0 }, { openingAt: 100, lastReadyAt: 250 }]),
    160,
  );
});

Deno.test("a storm in which nothing became ready has no all-ready time", () => {
  assert.equal(allReadyMsOf([{ openingAt: 90, lastReadyAt: 0 }]), 0);
  assert.equal(allReadyMsOf([]), 0);
});
