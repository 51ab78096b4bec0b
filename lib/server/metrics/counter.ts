/**
 * A number that only goes up: events since the isolate started.
 *
 * @example
 * ```ts
 * const committed = registry.counter({ name: "messages_total", help: "Messages." });
 * committed.inc();
 * committed.value; // 1
 * ```
 */
export class Counter {
  #value = 0;

  /**
   * Adds `by` (default 1). A negative or non-finite amount is ignored rather
   * than thrown: a metric must never break the socket loop that feeds it.
   */
  inc(by = 1): void {
    if (by >= 0 && by !== Infinity) this.#value += by;
  }

  /** The current total. */
  get value(): number {
    return this.#value;
  }
}
