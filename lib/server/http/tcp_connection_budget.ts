/**
 * How many TCP connections each isolate may hold, so that the process never
 * runs out of file descriptors. Every connection holds one, and once the
 * process is at its open-files limit, `accept` fails: `Deno.serve`'s accept
 * loop then ends with an uncaught "Too many open files" that exits the
 * process, and `node:http`'s stops accepting for good. Kept below the limit,
 * the server refuses the excess at accept instead and keeps serving.
 *
 * The budget is the process's soft `RLIMIT_NOFILE` (Deno raises it to the
 * hard limit at start, so `ulimit -n` / systemd's `LimitNOFILE` is what
 * counts) less {@linkcode RESERVED_FILES} for everything that is not a client
 * connection, split evenly over the isolates that share the process's
 * descriptor table. `MAX_TCP_CONNECTIONS` sets the process's total instead,
 * but never above what the limit allows.
 *
 * @example
 * ```ts
 * const budget = tcpConnectionBudget({
 *   workers: 2,
 *   openFilesLimit: readOpenFilesLimit(), // 1024 under `ulimit -n 1024`
 * });
 * budget.perIsolate; // 448: (1024 - 128) / 2
 * ```
 */

/**
 * Descriptors kept for what is not a client connection: standard streams, the
 * runtime's own (epoll, event fds, threads), the KV database and its WAL, a
 * PostgreSQL pool, static files read on demand, the listening sockets.
 */
export const RESERVED_FILES = 128;

/** The process total when the open-files limit cannot be read (not Linux) and none is set. */
export const UNKNOWN_LIMIT_CONNECTIONS = 10_000;

/** What {@linkcode tcpConnectionBudget} decided. */
export interface TcpConnectionBudget {
  /** Connections one isolate may hold. */
  perIsolate: number;
  /** Connections the process may hold: `perIsolate` times the isolates. */
  total: number;
  /** Set when `MAX_TCP_CONNECTIONS` asked for more than the open-files limit allows. */
  warning?: string;
}

/** Inputs of {@linkcode tcpConnectionBudget}. */
export interface TcpConnectionBudgetOptions {
  /** Isolates sharing the process's descriptors. */
  workers: number;
  /** The soft `RLIMIT_NOFILE`, or `undefined` where it cannot be read. */
  openFilesLimit: number | undefined;
  /** `MAX_TCP_CONNECTIONS`, if set. */
  configured?: number;
}

/**
 * The soft open-files limit of this process, from `/proc/self/limits`
 * (Linux); `undefined` where that cannot be read or says "unlimited".
 */
export function readOpenFilesLimit(
  read: () => string = () => Deno.readTextFileSync("/proc/self/limits"),
): number | undefined {
  let text: string;
  try {
    text = read();
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)\s/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/** Splits the process's connection budget over its isolates. */
export function tcpConnectionBudget(options: TcpConnectionBudgetOptions): TcpConnectionBudget {
  const { workers, openFilesLimit, configured } = options;
  const allowed = openFilesLimit === undefined
    ? undefined
    : Math.max(workers, openFilesLimit - RESERVED_FILES);
  let total = configured ?? allowed ?? UNKNOWN_LIMIT_CONNECTIONS;
  let warning: string | undefined;
  if (allowed !== undefined && total > allowed) {
    warning =
      `MAX_TCP_CONNECTIONS=${total} is more than the open-files limit (${openFilesLimit}) ` +
      `allows with ${RESERVED_FILES} kept in reserve: using ${allowed}; raise the limit ` +
      "(ulimit -n, systemd LimitNOFILE) to hold more";
    total = allowed;
  }
  const perIsolate = Math.max(1, Math.floor(total / workers));
  return { perIsolate, total: perIsolate * workers, ...(warning ? { warning } : {}) };
}
