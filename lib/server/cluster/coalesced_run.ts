/**
 * A read that wake-ups start, coalesced: a wake while the read runs asks for
 * one more run after it, however many wakes came, so a burst of signals costs
 * at most two reads and none is missed (the run after the last wake sees
 * whatever that wake announced).
 *
 * @example
 * ```ts
 * const reads = createCoalescedRun(readMailbox);
 * reads.wake(); // starts a read
 * reads.wake(); // one more read once this one is done
 * await reads.idle();
 * ```
 */

/** A task run on wake-ups, never twice at once. */
export interface CoalescedRun {
  /** Runs the task now, or once more after the run under way. */
  wake(): void;
  /** Resolves once the runs asked for so far are done. */
  idle(): Promise<void>;
}

/** Creates a {@linkcode CoalescedRun} of `task`; a run that fails goes to `onError`. */
export function createCoalescedRun(
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): CoalescedRun {
  let running: Promise<void> | null = null;
  let again = false;
  return {
    wake() {
      if (running) {
        again = true;
        return;
      }
      running = (async () => {
        do {
          again = false;
          await task().catch(onError);
        } while (again);
      })().finally(() => running = null);
    },
    async idle() {
      while (running) await running;
    },
  };
}
