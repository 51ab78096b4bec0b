import { deepEqual, equal } from "node:assert/strict";
import { z } from "zod";
import { createSharesCore, type ShareEntry } from "../../lib/server/cluster/shares_core.ts";
import type { ShareChange } from "../../lib/server/cluster/mod.ts";
import { createVirtualClock } from "../../lib/time/clock.ts";

const Count = z.number().int().positive();

function core() {
  const published: { space: string; changes: ShareEntry[] }[] = [];
  const shares = createSharesCore({
    instance: "here",
    clock: createVirtualClock(),
    transport: {
      publish: (space, changes) => void published.push({ space, changes }),
      flushed: () => Promise.resolve(),
    },
  });
  return { shares, published };
}

Deno.test("shares core: another instance's values that fail the schema are neither heard nor counted", () => {
  const { shares } = core();
  const counts = shares.space("counts", { schema: Count });
  const heard: ShareChange<number>[] = [];
  counts.onChange((change) => heard.push(change));
  shares.receive("peer", "counts", [["u ada", 2], ["u bob", -1], ["u eve", "lots"]], {
    whole: false,
  });
  deepEqual(heard, [{ instance: "peer", key: "u ada", value: 2 }]);
  deepEqual(counts.others("u bob"), []);
  deepEqual(counts.others("u eve"), []);
});

Deno.test("shares core: values that came before their space was asked for are parsed then", () => {
  const { shares } = core();
  shares.receive("peer", "counts", [["u ada", 2], ["u bob", 0]], { whole: false });
  const counts = shares.space("counts", { schema: Count });
  const heard: ShareChange<number>[] = [];
  counts.onChange((change) => heard.push(change));
  deepEqual(heard, [{ instance: "peer", key: "u ada", value: 2 }]);
  deepEqual(counts.others("u bob"), []);
});

Deno.test("shares core: a whole share drops what it lacks and repeats nothing unchanged", () => {
  const { shares } = core();
  const counts = shares.space("counts", { schema: Count });
  shares.receive("peer", "counts", [["u ada", 2], ["u bob", 1]], { whole: false });
  const heard: ShareChange<number>[] = [];
  counts.onChange((change) => heard.push(change));
  heard.length = 0;
  shares.receive("peer", "counts", [["u ada", 2], ["u cid", 4]], { whole: true });
  deepEqual(heard, [
    { instance: "peer", key: "u bob", value: null },
    { instance: "peer", key: "u cid", value: 4 },
  ]);
  shares.dropInstance("peer");
  deepEqual(heard.slice(2).map((change) => [change.key, change.value]), [
    ["u ada", null],
    ["u cid", null],
  ]);
  deepEqual(shares.spacesOf("peer"), []);
});

Deno.test("shares core: this instance's values are published, and never heard as another's", () => {
  const { shares, published } = core();
  const counts = shares.space("counts", { schema: Count });
  counts.set("u ada", 1);
  counts.set("u ada", null);
  deepEqual(published, [
    { space: "counts", changes: [["u ada", 1]] },
    { space: "counts", changes: [["u ada", null]] },
  ]);
  shares.receive("here", "counts", [["u ada", 9]], { whole: false });
  deepEqual(counts.others("u ada"), []);
  equal(shares.space("counts", { schema: z.string() }), counts, "one object per space");
});
