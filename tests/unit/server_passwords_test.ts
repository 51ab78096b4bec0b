import { equal, notEqual } from "node:assert/strict";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  verifyPassword,
} from "../../lib/server/accounts/passwords.ts";

Deno.test("passwords: PBKDF2-SHA-256, 600k iterations, 16-byte salt, verified in constant time", async () => {
  const stored = await hashPassword("correct horse");
  equal(stored.algorithm, "PBKDF2-SHA-256");
  equal(stored.iterations, PBKDF2_ITERATIONS);
  equal(PBKDF2_ITERATIONS >= 600_000, true);
  equal(Uint8Array.fromBase64(stored.salt).length, 16);
  equal(Uint8Array.fromBase64(stored.hash).length, 32);
  equal(await verifyPassword("correct horse", stored), true);
  equal(await verifyPassword("correct horsE", stored), false);
  equal(await verifyPassword("", stored), false);
  // A fresh salt each time: equal passwords do not give equal hashes.
  notEqual((await hashPassword("correct horse")).hash, stored.hash);
});
