/**
 * A number that goes up and down (open connections), or that is read from a
 * source when metrics are collected (memory, uptime).
 *
 * @example
 * ```ts
 * const open = registry.gauge({ name: "connections_open", help: "Open connections." });
 * open.inc();
 * open.dec();
 * open.set(3);
 * open.value; // 3
 * ```
 */
export class Gauge {
  #value = 0;
  readonly #collect: (() => number) | undefined;

  /** `collect`, when given, is read at collection time and replaces the value. */
  constructor(collect?: () => number) {
    this.#collect = collect;
  }

  /** Sets the value; a non-finite value is ignored. */
  set(value: number): void {
    if (Number.isFinite(value)) this.#value = value;
  }

  /** Adds `by` (default 1). */
  inc(by = 1): void {
    this.set(this.#value + by);
  }

  /** Subtracts `by` (default 1). */
  dec(by = 1): void {
    this.set(this.#value - by);
  }

  /** The current value, read from the source first if the gauge has one. */
  get value(): number {
    if (this.#collect) this.set(this.#collect());
    return this.#value;
  }
}
