/**
 * The bench's file-descriptor budget: a big room holds a socket per member in
 * the load generator and another in the server, and each process may hold
 * only its soft `RLIMIT_NOFILE`. {@linkcode raiseOpenFilesLimit} lifts the
 * soft limit to the hard one through libc (Deno has no `setrlimit`); the
 * servers the bench starts afterwards inherit it.
 *
 * @example
 * ```ts
 * const files = raiseOpenFilesLimit(); // 20000 here, or undefined off Linux
 * if (files !== undefined && files < 10_512) console.error("raise ulimit -Hn");
 * ```
 */

const RLIMIT_NOFILE = 7;

/**
 * Raises this process's soft `RLIMIT_NOFILE` to its hard limit and returns the
 * soft limit now in force; undefined where libc cannot be reached.
 */
export function raiseOpenFilesLimit(): number | undefined {
  if (Deno.build.os !== "linux") return undefined;
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
      setrlimit: { parameters: ["i32", "buffer"], result: "i32" },
    });
  } catch {
    return undefined;
  }
  try {
    // struct rlimit { rlim_t rlim_cur; rlim_t rlim_max; }: two unsigned 64-bit numbers.
    const limits = new BigUint64Array(2);
    const bytes = new Uint8Array(limits.buffer);
    if (libc.symbols.getrlimit(RLIMIT_NOFILE, bytes) !== 0) return undefined;
    if (limits[0] < limits[1]) {
      limits[0] = limits[1];
      libc.symbols.setrlimit(RLIMIT_NOFILE, bytes);
      libc.symbols.getrlimit(RLIMIT_NOFILE, bytes);
    }
    return Number(limits[0]);
  } finally {
    libc.close();
  }
}
