/**
 * Plain checks of parsed JSON, for the browser. The client checks what it
 * receives (server frames, token replies, the status) with these instead of
 * zod: zod's runtime would weigh more than the rest of a page's JavaScript
 * together, and a page only needs yes or no and where. The server keeps zod.
 *
 * A check returns `null` when the value passes, else the dotted path of the
 * first field that does not (`""` for the value itself). The checks built
 * from these (`./guards.ts`) mirror the zod schemas of this folder, and
 * `tests/unit/protocol_guards_test.ts` proves on a corpus of valid and
 * invalid values that both accept and refuse the same ones.
 *
 * @example
 * ```ts
 * const isUser = object({ id: string(), name: string({ max: 32 }) });
 * isUser({ id: "user:ada", name: "ada" }); // null
 * isUser({ id: "user:ada", name: 7 }); // "name"
 * ```
 */

/** `null` when `value` passes, else the dotted path of the first field that does not. */
export type Check = (value: unknown) => string | null;

const HERE = "";

function pass(ok: boolean): string | null {
  return ok ? null : HERE;
}

/** `path` inside `key`, as zod writes issue paths. */
function within(key: string | number, path: string | null): string | null {
  if (path === null) return null;
  return path === HERE ? String(key) : `${key}.${path}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rules of {@linkcode string}; lengths count UTF-16 units, as zod's do. */
export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

/**
 * A string within the rules.
 *
 * @example
 * ```ts
 * string({ pattern: /^[a-z]+$/ })("Abc"); // ""
 * ```
 */
export function string(rules: StringRules = {}): Check {
  const { min = 0, max = Infinity, pattern } = rules;
  return (value) =>
    pass(
      typeof value === "string" && value.length >= min && value.length <= max &&
        (pattern === undefined || pattern.test(value)),
    );
}

/** Rules of {@linkcode number}. */
export interface NumberRules {
  /** A safe integer, as zod's `.int()`. */
  int?: boolean;
  /** The least value allowed. */
  min?: number;
  /** The greatest value allowed. */
  max?: number;
  /** Above zero, as zod's `.positive()`. */
  positive?: boolean;
}

/**
 * A finite number within the rules.
 *
 * @example
 * ```ts
 * number({ int: true, min: 0 })(1.5); // ""
 * ```
 */
export function number(rules: NumberRules = {}): Check {
  const { int = false, min = -Infinity, max = Infinity, positive = false } = rules;
  return (value) =>
    pass(
      typeof value === "number" && Number.isFinite(value) && value >= min && value <= max &&
        (!int || Number.isSafeInteger(value)) && (!positive || value > 0),
    );
}

/**
 * `true` or `false`.
 *
 * @example
 * ```ts
 * boolean()("yes"); // ""
 * ```
 */
export function boolean(): Check {
  return (value) => pass(typeof value === "boolean");
}

/**
 * Exactly one of `values`, compared with `===` (a literal, or an enum).
 *
 * @example
 * ```ts
 * oneOf(["ok", "down"])("ok"); // null
 * ```
 */
export function oneOf(values: readonly (string | number | boolean)[]): Check {
  return (value) => pass(values.includes(value as string));
}

/**
 * `check`, or a missing value.
 *
 * @example
 * ```ts
 * optional(string())(undefined); // null
 * ```
 */
export function optional(check: Check): Check {
  return (value) => value === undefined ? null : check(value);
}

/**
 * `check`, or `null`.
 *
 * @example
 * ```ts
 * nullable(number())(null); // null
 * ```
 */
export function nullable(check: Check): Check {
  return (value) => value === null ? null : check(value);
}

/**
 * An array of at most `max` items that all pass `item`.
 *
 * @example
 * ```ts
 * array(number())([1, "2"]); // "1"
 * ```
 */
export function array(item: Check, { max = Infinity }: { max?: number } = {}): Check {
  return (value) => {
    if (!Array.isArray(value) || value.length > max) return HERE;
    for (let index = 0; index < value.length; index++) {
      const failed = within(index, item(value[index]));
      if (failed !== null) return failed;
    }
    return null;
  };
}

/**
 * An object whose every value passes `item`, and, with `key`, whose every
 * key passes it (as zod's `z.record(key, item)`).
 *
 * @example
 * ```ts
 * record(number())({ a: 1, b: "2" }); // "b"
 * record(number(), { key: string({ max: 1 }) })({ ab: 1 }); // "ab"
 * ```
 */
export function record(item: Check, { key: keyCheck }: { key?: Check } = {}): Check {
  return (value) => {
    if (!isPlainObject(value)) return HERE;
    for (const [key, field] of Object.entries(value)) {
      if (keyCheck && keyCheck(key) !== null) return key;
      const failed = within(key, item(field));
      if (failed !== null) return failed;
    }
    return null;
  };
}

/** The checks of an object's fields, by key. */
export type Shape = Readonly<Record<string, Check>>;

/**
 * An object with the fields of `shape`; other keys are allowed (and left
 * unread), as zod's `z.object` allows them.
 *
 * @example
 * ```ts
 * object({ id: string() })({ id: "a", extra: 1 }); // null
 * ```
 */
export function object(shape: Shape): Check {
  const fields = Object.entries(shape);
  return (value) => {
    if (!isPlainObject(value)) return HERE;
    for (const [key, check] of fields) {
      const failed = within(key, check(value[key]));
      if (failed !== null) return failed;
    }
    return null;
  };
}

/**
 * An object with the fields of `shape` and no other key, as zod's
 * `z.strictObject`.
 *
 * @example
 * ```ts
 * strictObject({ id: string() })({ id: "a", extra: 1 }); // "extra"
 * ```
 */
export function strictObject(shape: Shape): Check {
  const fields = object(shape);
  return (value) => {
    const failed = fields(value);
    if (failed !== null) return failed;
    const extra = Object.keys(value as object).find((key) => !Object.hasOwn(shape, key));
    return extra ?? null;
  };
}

/**
 * One of several objects told apart by the string at `key`, as zod's
 * `z.discriminatedUnion`.
 *
 * @example
 * ```ts
 * const shape = byKey("kind", { a: object({ kind: oneOf(["a"]) }) });
 * shape({ kind: "b" }); // "kind"
 * ```
 */
export function byKey(key: string, variants: Readonly<Record<string, Check>>): Check {
  return (value) => {
    if (!isPlainObject(value)) return HERE;
    const tag = value[key];
    const variant = typeof tag === "string" && Object.hasOwn(variants, tag)
      ? variants[tag]
      : undefined;
    return variant ? variant(value) : key;
  };
}

/**
 * `check`, then a rule across fields that it cannot express (zod's `.refine`).
 *
 * @example
 * ```ts
 * const range = refine(object({ lo: number(), hi: number() }), (r) => r.lo <= r.hi);
 * range({ lo: 2, hi: 1 }); // ""
 * ```
 */
export function refine(
  check: Check,
  rule: (value: Record<string, unknown>) => boolean,
): Check {
  return (value) => check(value) ?? pass(rule(value as Record<string, unknown>));
}
