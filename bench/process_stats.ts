/**
 * Resident memory and CPU time of a process, read from Linux's /proc, for the
 * server under test (by pid) and the load generator itself (`"self"`).
 *
 * @example
 * ```ts
 * const rss = await readRssBytes(server.pid); // VmRSS in bytes
 * const cpu = await readCpuSeconds("self"); // user + system seconds so far
 * const busy = await readMachineBusySeconds(); // every process's, for what else is running
 * const overflows = await readListenOverflows(); // accept-queue overflows since boot
 * isProcessAlive(server.pid); // false once it exited
 * ```
 */

/** /proc reports CPU times in USER_HZ ticks, which Linux fixes at 100 per second. */
const TICKS_PER_SECOND = 100;

/** The process's resident set size (VmRSS) in bytes. */
export async function readRssBytes(pid: number | "self"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = status.match(/^VmRSS:\s+(\d+)\s+kB$/m);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU seconds the process (all its threads) has used. */
export async function readCpuSeconds(pid: number | "self"): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces; the fields after its ")" are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return (userTicks + systemTicks) / TICKS_PER_SECOND;
}

/**
 * CPU seconds the whole machine has been busy (every core, every process:
 * user, nice, system, interrupts), from /proc/stat. Minus the server's and the
 * load generator's own, it tells how much else was running during a step.
 */
export async function readMachineBusySeconds(): Promise<number> {
  const stat = await Deno.readTextFile("/proc/stat");
  const fields = stat.slice(0, stat.indexOf("\n")).trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * How many times, since boot, a listening socket's accept queue was full when
 * a connection arrived (`TcpExtListenOverflows` in /proc/net/netstat). Such a
 * client retries its SYN only after a second, which a connect storm would
 * measure instead of the server.
 */
export async function readListenOverflows(): Promise<number> {
  const lines = (await Deno.readTextFile("/proc/net/netstat")).split("\n");
  const header = lines.findIndex((line) => line.startsWith("TcpExt:"));
  const names = lines[header]?.split(" ") ?? [];
  const values = lines[header + 1]?.split(" ") ?? [];
  const column = names.indexOf("ListenOverflows");
  if (column < 0) throw new Error("no TcpExt ListenOverflows in /proc/net/netstat");
  return Number(values[column]);
}

/** Whether a process with this id exists (its /proc entry does). */
export function isProcessAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
