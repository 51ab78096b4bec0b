import { deepEqual, equal } from "node:assert/strict";
import { createConnectionAdmission } from "../../lib/framework/connection_admission.ts";

Deno.test("admission: caps connections in all and per address; released slots admit again", () => {
  const admission = createConnectionAdmission({ max: 3, maxPerAddress: 2 });
  const first = admission.admit("198.51.100.1");
  const second = admission.admit("198.51.100.1");
  deepEqual(admission.admit("198.51.100.1"), { ok: false, reason: "address_limit" });
  const third = admission.admit("198.51.100.2");
  deepEqual(admission.admit("198.51.100.3"), { ok: false, reason: "capacity" });
  equal(admission.open, 3);
  equal(admission.openFrom("198.51.100.1"), 2);

  if (!first.ok || !second.ok || !third.ok) throw new Error("the first three are admitted");
  first.release();
  first.release(); // a second release changes nothing
  equal(admission.open, 2);
  equal(admission.openFrom("198.51.100.1"), 1);
  equal(admission.admit("198.51.100.1").ok, true);
  second.release();
  third.release();
  equal(admission.openFrom("198.51.100.2"), 0);
});

Deno.test("admission: exempt addresses are not capped per address but count in all", () => {
  const admission = createConnectionAdmission({
    max: 3,
    maxPerAddress: 1,
    isExempt: (address) => address === "127.0.0.1",
  });
  equal(admission.admit("127.0.0.1").ok, true);
  equal(admission.admit("127.0.0.1").ok, true);
  equal(admission.admit("127.0.0.1").ok, true);
  deepEqual(admission.admit("127.0.0.1"), { ok: false, reason: "capacity" });
  equal(admission.openFrom("127.0.0.1"), 0, "not counted per address");
});
