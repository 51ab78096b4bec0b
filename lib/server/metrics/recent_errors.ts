/**
 * The last few errors, for the admin view: a ring of preallocated slots that
 * are overwritten in place, so recording an error allocates nothing even
 * during a flood of them.
 *
 * @example
 * ```ts
 * const errors = createRecentErrors({ clock, capacity: 20 });
 * errors.record("internal", "commit failed: KV unavailable");
 * errors.list(); // [{ ts: …, code: "internal", message: "commit failed: KV unavailable" }]
 * ```
 */
import type { Clock } from "../../time/clock.ts";

/** One recorded error. */
export interface RecentError {
  ts: number;
  code: string;
  message: string;
}

/** A bounded list of the newest errors. */
export interface RecentErrors {
  record(code: string, message: string): void;
  /** Copies of the recorded errors, newest first. */
  list(): RecentError[];
}

/** Options of {@linkcode createRecentErrors}. */
export interface RecentErrorsOptions {
  clock: Clock;
  /** How many errors are kept. Default 20. */
  capacity?: number;
}

/** Creates an empty {@linkcode RecentErrors}. */
export function createRecentErrors(options: RecentErrorsOptions): RecentErrors {
  const { clock } = options;
  const capacity = Math.max(1, options.capacity ?? 20);
  const slots: RecentError[] = Array.from({ length: capacity }, () => ({
    ts: 0,
    code: "",
    message: "",
  }));
  let next = 0;
  let size = 0;

  return {
    record(code, message) {
      const slot = slots[next];
      slot.ts = clock.now();
      slot.code = code;
      slot.message = message;
      next = (next + 1) % capacity;
      size = Math.min(size + 1, capacity);
    },
    list() {
      const newestFirst: RecentError[] = [];
      for (let back = 1; back <= size; back++) {
        newestFirst.push({ ...slots[(next - back + capacity) % capacity] });
      }
      return newestFirst;
    },
  };
}
