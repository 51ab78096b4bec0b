/**
 * Keyed shares of several instances joined in memory, synchronously, as an
 * engine joins them: what one sets, the others hear at once (after its
 * space's interval, in virtual time). `sever` cuts an instance off without a
 * word, as a crashed one goes; `expire` then tells the others it is gone, as
 * a cluster does when its heartbeat lapses.
 *
 * @example
 * ```ts
 * const linked = createLinkedShares(clock);
 * const a = linked.instance("a");
 * const presence = createPresence({ shares: presenceShares(a), clock });
 * ```
 */
import type { Clock } from "../../lib/time/clock.ts";
import { createSharesCore, type SharesCore } from "../../lib/server/cluster/shares_core.ts";
import type { KeyedShares, KeyedSharesOptions } from "../../lib/server/cluster/mod.ts";

/** One instance's end of the link. */
export interface LinkedInstance {
  readonly instance: string;
  keyedShares<T>(space: string, options: KeyedSharesOptions<T>): KeyedShares<T>;
  /** Cuts this instance off: it stops sending and hearing. */
  sever(): void;
  /** Says goodbye: the others drop its values at once. */
  goodbye(): void;
  /** Every publication it sent: space and changes. */
  readonly sent: { space: string; changes: [string, unknown][] }[];
}

/** Creates an empty link; `instance(name)` adds an instance to it. */
export function createLinkedShares(clock: Clock) {
  const cores = new Map<string, SharesCore>();
  const expire = (gone: string) => {
    for (const [name, core] of cores) if (name !== gone) core.dropInstance(gone);
  };
  return {
    instance(name: string): LinkedInstance {
      const sent: { space: string; changes: [string, unknown][] }[] = [];
      const core = createSharesCore({
        instance: name,
        clock,
        transport: {
          publish(space, changes) {
            if (!cores.has(name)) return;
            sent.push({ space, changes });
            for (const [other, peer] of cores) {
              if (other !== name) peer.receive(name, space, changes, { whole: false });
            }
          },
          flushed: () => Promise.resolve(),
        },
      });
      // A newcomer hears every value set already, as an engine's start would give it.
      for (const [other, peer] of cores) {
        for (const [space, changes] of peer.ownSpaces()) {
          core.receive(other, space, changes, { whole: true });
        }
      }
      cores.set(name, core);
      return {
        instance: name,
        keyedShares: (space, options) => core.space(space, options),
        sever: () => void cores.delete(name),
        goodbye() {
          cores.delete(name);
          expire(name);
        },
        sent,
      };
    },
    /** Tells every instance left that `name` is gone, as its expiry would. */
    expire,
  };
}
