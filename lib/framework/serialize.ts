/**
 * Island props travel from the server to the browser as JSON with a few tagged
 * values: `Date`, signals (they come back as live signals) and `undefined`.
 * Functions, class instances and cycles cannot cross and are refused with an
 * error naming the island and the prop.
 *
 * Tagged values are one-key objects whose key starts with `$`; a plain object
 * whose own keys start with `$` is escaped by doubling the `$`.
 *
 * @example
 * ```ts
 * const json = serializeProps("Clock", { at: new Date(0), label: "now" });
 * deserializeProps(json, signal); // { at: Date(0), label: "now" }
 * ```
 */
import type { Signal } from "@preact/signals";

/** Thrown when a prop cannot be sent to the browser. */
export class IslandPropsError extends Error {
  override name = "IslandPropsError";
}

function isSignal(value: object): value is Signal<unknown> {
  return (value as { brand?: unknown }).brand === Symbol.for("preact-signals");
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function encode(value: unknown, path: string, island: string, seen: Set<object>): unknown {
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new IslandPropsError(`island "${island}": prop "${path}" is ${value}, not JSON`);
    }
    return value;
  }
  if (typeof value === "function") {
    throw new IslandPropsError(
      `island "${island}": prop "${path}" is a function; functions cannot be sent to the browser. ` +
        "Define the behaviour inside the island instead.",
    );
  }
  if (typeof value !== "object") {
    throw new IslandPropsError(`island "${island}": prop "${path}" is a ${typeof value}`);
  }
  if (seen.has(value)) {
    throw new IslandPropsError(`island "${island}": prop "${path}" is a circular reference`);
  }
  seen.add(value);
  try {
    if (value instanceof Date) return { $date: value.toISOString() };
    if (isSignal(value)) return { $signal: encode(value.peek(), `${path}.value`, island, seen) };
    if (Array.isArray(value)) {
      return value.map((item, i) => encode(item, `${path}[${i}]`, island, seen));
    }
    if (!isPlainObject(value)) {
      const kind = value.constructor?.name ?? "object";
      throw new IslandPropsError(
        `island "${island}": prop "${path}" is a ${kind}; only JSON values, Date and signals are supported`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key.startsWith("$") ? "$" + key : key] = encode(item, `${path}.${key}`, island, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Encodes one island's props as a JSON string; throws {@linkcode IslandPropsError}. */
export function serializeProps(island: string, props: Record<string, unknown>): string {
  const encoded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(props)) {
    if (key === "children") {
      throw new IslandPropsError(
        `island "${island}": passing children to an island is not supported`,
      );
    }
    encoded[key] = encode(value, key, island, new Set());
  }
  return JSON.stringify(encoded);
}

function decode(value: unknown, makeSignal: (value: unknown) => unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => decode(item, makeSignal));
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, inner] = entries[0];
    if (key === "$date") return new Date(inner as string);
    if (key === "$signal") return makeSignal(decode(inner, makeSignal));
    if (key === "$undefined") return undefined;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of entries) {
    out[key.startsWith("$$") ? key.slice(1) : key] = decode(inner, makeSignal);
  }
  return out;
}

/** Decodes what {@linkcode serializeProps} produced; `makeSignal` is `signal` from the client's preact. */
export function deserializeProps(
  json: string,
  makeSignal: (value: unknown) => unknown,
): Record<string, unknown> {
  return decode(JSON.parse(json), makeSignal) as Record<string, unknown>;
}
