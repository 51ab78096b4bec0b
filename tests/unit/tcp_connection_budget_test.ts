import { equal, match } from "node:assert/strict";
import {
  readOpenFilesLimit,
  RESERVED_FILES,
  tcpConnectionBudget,
  UNKNOWN_LIMIT_CONNECTIONS,
} from "../../lib/server/http/tcp_connection_budget.ts";

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             94946                94946                processes
Max open files            1024                 4096                 files
Max locked memory         8388608              8388608              bytes
`;

Deno.test("readOpenFilesLimit: the soft limit from /proc/self/limits, undefined where unknown", () => {
  equal(readOpenFilesLimit(() => LIMITS), 1024);
  equal(readOpenFilesLimit(() => LIMITS.replace("1024   ", "unlimited")), undefined);
  equal(
    readOpenFilesLimit(() => {
      throw new Deno.errors.NotFound("no /proc here");
    }),
    undefined,
  );
  equal(typeof readOpenFilesLimit(), "number", "this machine's own");
});

Deno.test("tcpConnectionBudget: the open-files limit less the reserve, split over the isolates", () => {
  const one = tcpConnectionBudget({ workers: 1, openFilesLimit: 1024 });
  equal(one.perIsolate, 1024 - RESERVED_FILES);
  const two = tcpConnectionBudget({ workers: 2, openFilesLimit: 1024 });
  equal(two.perIsolate, (1024 - RESERVED_FILES) / 2);
  equal(two.total, 1024 - RESERVED_FILES);
  equal(two.warning, undefined);
  equal(
    tcpConnectionBudget({ workers: 4, openFilesLimit: undefined }).total,
    UNKNOWN_LIMIT_CONNECTIONS,
  );
});

Deno.test("tcpConnectionBudget: MAX_TCP_CONNECTIONS counts, but never beyond the limit", () => {
  equal(
    tcpConnectionBudget({ workers: 2, openFilesLimit: 65536, configured: 1000 }).perIsolate,
    500,
  );
  const over = tcpConnectionBudget({ workers: 1, openFilesLimit: 1024, configured: 5000 });
  equal(over.perIsolate, 1024 - RESERVED_FILES);
  match(over.warning ?? "", /MAX_TCP_CONNECTIONS=5000 is more than the open-files limit \(1024\)/);
});
