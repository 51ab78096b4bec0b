/**
 * Counts the TCP connections a server holds, in all and per client address,
 * and refuses one over either cap at accept, before any byte of a request is
 * read. The total cap keeps the process below its open-files limit; the
 * per-address cap keeps one host from taking every slot. Addresses that
 * carry many clients (trusted proxies) can be exempted from the per-address
 * cap; they still count in the total.
 *
 * @example
 * ```ts
 * const admission = createConnectionAdmission({ max: 900, maxPerAddress: 100 });
 * const admitted = admission.admit("203.0.113.7");
 * if (admitted.ok) socket.once("close", admitted.release);
 * else socket.destroy(); // admitted.reason: "capacity" or "address_limit"
 * ```
 */

/** Why a connection was refused at accept. */
export type AdmissionRefusal = "capacity" | "address_limit";

/** The outcome of {@linkcode ConnectionAdmission.admit}. */
export type Admitted =
  | { ok: true; release: () => void }
  | { ok: false; reason: AdmissionRefusal };

/** Options of {@linkcode createConnectionAdmission}. */
export interface ConnectionAdmissionOptions {
  /** Connections held at once, in all. */
  max: number;
  /** Connections held at once from one address. */
  maxPerAddress: number;
  /** Addresses not capped per address. */
  isExempt?(address: string): boolean;
}

/** The counts, and the door. */
export interface ConnectionAdmission {
  /**
   * Admits a connection from `address`, or says why not. An admitted
   * connection holds its slot until `release` (safe to call more than once).
   */
  admit(address: string): Admitted;
  /** Connections held now. */
  readonly open: number;
  /** Connections held now from `address`. */
  openFrom(address: string): number;
}

/** Creates a {@linkcode ConnectionAdmission}. */
export function createConnectionAdmission(
  options: ConnectionAdmissionOptions,
): ConnectionAdmission {
  const { max, maxPerAddress, isExempt = () => false } = options;
  const byAddress = new Map<string, number>();
  let open = 0;

  const admit = (address: string): Admitted => {
    if (open >= max) return { ok: false, reason: "capacity" };
    const capped = !isExempt(address);
    const held = byAddress.get(address) ?? 0;
    if (capped && held >= maxPerAddress) return { ok: false, reason: "address_limit" };
    open++;
    if (capped) byAddress.set(address, held + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        open--;
        if (!capped) return;
        const left = (byAddress.get(address) ?? 1) - 1;
        if (left === 0) byAddress.delete(address);
        else byAddress.set(address, left);
      },
    };
  };

  return {
    admit,
    get open() {
      return open;
    },
    openFrom: (address) => byAddress.get(address) ?? 0,
  };
}
