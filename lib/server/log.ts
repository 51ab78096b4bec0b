/**
 * Structured logs: one JSON object per line with `level` and `event`, plus
 * `session`, `user`, `code` and whatever else helps. A line equal to the one
 * before (time aside) is held back and counted, then reported once as
 * "repeated N times", so a flood of one error cannot flood the log.
 *
 * Written here, not taken from a library: JSON lines are one `JSON.stringify`
 * each, and the folding of repeats, the part that matters, is in no common
 * logger (pino, winston, `@std/log`, which is on JSR anyway).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log = createLogger({ sink: (line) => lines.push(line) });
 * log.warn("ws.bad_frame", { session: "s1", code: "bad_frame" });
 * log.warn("ws.bad_frame", { session: "s1", code: "bad_frame" }); // held back
 * log.flush(); // writes {"level":"warn","event":"ws.bad_frame",...,"message":"repeated 1 times"}
 * ```
 */
import type { Clock } from "../time/clock.ts";
import { createSystemClock } from "../time/clock.ts";
import type { LogLevel } from "./config.ts";

/** Fields of a log line besides time, level and event. */
export interface LogFields {
  session?: string;
  user?: string;
  code?: string | number;
  [field: string]: unknown;
}

/** A structured logger. */
export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** Writes the pending "repeated N times" line, if any. */
  flush(): void;
}

/** Options of {@linkcode createLogger}. */
export interface LoggerOptions {
  /** Where lines go; standard output by default. */
  sink?: (line: string) => void;
  /** Lines below this level are dropped. */
  level?: LogLevel;
  clock?: Clock;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Creates a {@linkcode Logger}. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? ((line: string) => console.log(line));
  const minimum = RANK[options.level ?? "info"];
  const clock = options.clock ?? createSystemClock();
  let previous: { body: string; level: LogLevel; event: string; fields: LogFields } | undefined;
  let repeats = 0;

  const flush = () => {
    if (!previous || repeats === 0) return;
    sink(JSON.stringify({
      ts: clock.now(),
      level: previous.level,
      event: previous.event,
      ...previous.fields,
      message: `repeated ${repeats} times`,
    }));
    repeats = 0;
  };

  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    if (RANK[level] < minimum) return;
    const body = JSON.stringify({ level, event, ...fields });
    if (previous?.body === body) {
      repeats++;
      return;
    }
    flush();
    previous = { body, level, event, fields };
    sink(JSON.stringify({ ts: clock.now(), level, event, ...fields }));
  };

  return {
    debug: (event, fields) => write("debug", event, fields),
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
    flush,
  };
}
