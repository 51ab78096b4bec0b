import { deepEqual, equal } from "node:assert/strict";
import {
  areaPath,
  breakGaps,
  chartFrame,
  dotsPath,
  linePath,
  niceCeiling,
  plotPoints,
  scale,
  seriesRange,
  ticks,
  timeDomain,
  valueDomain,
} from "../../components/status/chart_math.ts";

const frame = chartFrame({ width: 100, height: 50 }, {
  x: { min: 0, max: 10 },
  y: { min: 0, max: 20 },
});

Deno.test("scale maps a domain linearly, and an empty domain onto its start", () => {
  equal(scale(5, { min: 0, max: 10 }, 0, 100), 50);
  equal(scale(0, { min: 0, max: 10 }, 50, 0), 50, "ranges may run backwards (SVG y)");
  equal(scale(10, { min: 0, max: 10 }, 50, 0), 0);
  equal(scale(7, { min: 7, max: 7 }, 3, 90), 3);
});

Deno.test("plotPoints puts time on x and values on y, upwards, inside the inset", () => {
  deepEqual(plotPoints([0, 5, 10], [0, 10, 20], frame), [
    { x: 0, y: 50 },
    { x: 50, y: 25 },
    { x: 100, y: 0 },
  ]);
  const inset = chartFrame({ width: 100, height: 50, inset: { top: 5, bottom: 5, left: 10 } }, {
    x: { min: 0, max: 10 },
    y: { min: 0, max: 20 },
  });
  deepEqual(plotPoints([0, 10], [0, 20], inset), [{ x: 10, y: 45 }, { x: 100, y: 5 }]);
});

Deno.test("plotPoints leaves gaps for missing values and times outside the window", () => {
  deepEqual(plotPoints([-5, 0, 5, 10], [1, null, 10, 20], frame), [
    null,
    null,
    { x: 50, y: 25 },
    { x: 100, y: 0 },
  ]);
});

Deno.test("plotPoints puts a lone sample at the right edge (now)", () => {
  const lone = chartFrame({ width: 100, height: 50 }, {
    x: timeDomain([42], 900_000),
    y: valueDomain([[3]]),
  });
  deepEqual(plotPoints([42], [3], lone), [{ x: 100, y: 20 }]);
});

Deno.test("plotPoints rounds to two decimals", () => {
  const thirds = chartFrame({ width: 10, height: 10 }, {
    x: { min: 0, max: 3 },
    y: { min: 0, max: 3 },
  });
  deepEqual(plotPoints([1], [1], thirds), [{ x: 3.33, y: 6.67 }]);
});

Deno.test("linePath draws runs between gaps, and a lone point as a dot", () => {
  equal(linePath([]), "");
  equal(linePath([null, null]), "");
  equal(linePath([{ x: 0, y: 10 }, { x: 5, y: 0 }]), "M0 10L5 0");
  equal(
    linePath([{ x: 0, y: 10 }, { x: 5, y: 0 }, null, { x: 9, y: 4 }]),
    "M0 10L5 0M9 4h0",
  );
  equal(linePath([null, { x: 1, y: 2 }, { x: 3, y: 4 }, null]), "M1 2L3 4");
});

Deno.test("areaPath closes each run of two or more points down to the baseline", () => {
  equal(areaPath([{ x: 0, y: 10 }, { x: 5, y: 0 }], 32), "M0 32L0 10L5 0L5 32Z");
  equal(
    areaPath([{ x: 0, y: 1 }, { x: 1, y: 2 }, null, { x: 5, y: 5 }, null, { x: 7, y: 3 }, {
      x: 8,
      y: 4,
    }], 10),
    "M0 10L0 1L1 2L1 10ZM7 10L7 3L8 4L8 10Z",
    "a lone point has no area",
  );
  equal(areaPath([], 10), "");
});

Deno.test("niceCeiling rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
  deepEqual(
    [0, -3, 0.3, 1, 1.2, 2.2, 3, 7, 10, 37, 240, 251, 999, 1_001].map(niceCeiling),
    [1, 1, 0.5, 1, 2, 2.5, 5, 10, 10, 50, 250, 500, 1_000, 2_000],
  );
  equal(niceCeiling(0.03), 0.05);
  equal(niceCeiling(NaN), 1);
});

Deno.test("valueDomain starts at zero and reaches a round number above every series", () => {
  deepEqual(valueDomain([[3, 12, null], [40]]), { min: 0, max: 50 });
  deepEqual(valueDomain([[0, 0], [null]]), { min: 0, max: 1 }, "all zero: a line on the floor");
  deepEqual(valueDomain([]), { min: 0, max: 1 });
});

Deno.test("timeDomain spans the last spanMs, or less while history is short", () => {
  deepEqual(timeDomain([], 900_000), { min: 0, max: 0 });
  deepEqual(timeDomain([0, 5_000, 10_000], 900_000), { min: 0, max: 10_000 });
  deepEqual(timeDomain([0, 500_000, 1_000_000], 900_000), { min: 100_000, max: 1_000_000 });
});

Deno.test("seriesRange gives lowest, highest and latest, skipping gaps", () => {
  deepEqual(seriesRange([4, null, 9, 6, null]), { min: 4, max: 9, last: 6 });
  equal(seriesRange([null, null]), null);
  equal(seriesRange([]), null);
});

Deno.test("ticks are evenly spaced and include both ends", () => {
  deepEqual(ticks({ min: 0, max: 50 }, 3), [0, 25, 50]);
  deepEqual(ticks({ min: 0, max: 1 }, 5), [0, 0.25, 0.5, 0.75, 1]);
  deepEqual(ticks({ min: 0, max: 1 }, 1), [1]);
});

Deno.test("sparse points are drawn as dots; in a dense series only the lone ones", () => {
  const point = (x: number) => ({ x, y: 1 });
  equal(dotsPath([point(0), null, point(9)]), "M0 1h0M9 1h0");
  equal(dotsPath([point(0), point(1)]), "M0 1h0M1 1h0", "few points: every one");
  const dense = Array.from({ length: 50 }, (_, index) => point(index));
  equal(dotsPath(dense), "", "a dense line needs no dots");
  dense[20] = null as unknown as ReturnType<typeof point>;
  dense[22] = null as unknown as ReturnType<typeof point>;
  equal(dotsPath(dense), "M21 1h0", "the lone point between two gaps");
});

Deno.test("a line breaks where samples are further apart than an interval and a half", () => {
  deepEqual(breakGaps([0, 60, 300, 360], [1, 2, 3, null], 60), {
    times: [0, 60, 61, 300, 360],
    values: [1, 2, null, 3, null],
  });
  deepEqual(breakGaps([0, 80], [1, 2], 60), { times: [0, 80], values: [1, 2] });
});
