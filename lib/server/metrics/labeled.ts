/**
 * A metric split by one label whose values are all known up front, so every
 * child exists before the first observation and the hot path only looks one up.
 * A value outside the declared set lands in the `other` child: label
 * cardinality stays bounded whatever a client sends.
 *
 * @example
 * ```ts
 * const closes = registry.counter({
 *   name: "closes_total", help: "Closes.", label: "code", values: [1000, 1001],
 * });
 * closes.labels(1000).inc();
 * closes.labels(4999).inc(); // counted under code="other"
 * ```
 */

/** The child that collects every value outside the declared set. */
export const OTHER_LABEL_VALUE = "other";

/** A label value as declared: close codes are numbers, reasons and types are strings. */
export type LabelValue = string | number;

/** A metric with one child per declared label value, plus `other`. */
export class Labeled<Child, Value extends LabelValue> {
  /** The label's name, e.g. `code`. */
  readonly label: string;
  readonly #children: Map<LabelValue, Child>;
  readonly #other: Child;

  constructor(label: string, values: readonly Value[], createChild: () => Child) {
    this.label = label;
    this.#children = new Map(values.map((value) => [value, createChild()]));
    this.#other = createChild();
  }

  /** The child for `value`; the `other` child for a value that was not declared. */
  labels(value: Value | typeof OTHER_LABEL_VALUE): Child {
    return this.#children.get(value) ?? this.#other;
  }

  /** Every child by its rendered label value, declared ones first, `other` last. */
  entries(): [string, Child][] {
    const entries: [string, Child][] = [];
    for (const [value, child] of this.#children) entries.push([String(value), child]);
    entries.push([OTHER_LABEL_VALUE, this.#other]);
    return entries;
  }
}
