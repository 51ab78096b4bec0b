/**
 * Values larger than one Deno KV value (64 KiB) as parts: a value's JSON is
 * cut into pieces of at most {@linkcode PART_CHARS} UTF-16 units (KV stores a
 * string in at most 2 bytes per unit, so a piece fits), written under
 * `[...base, 0]`, `[...base, 1]`, …; part 0 also says how many there are. A
 * reader lists the parts in key order and puts together only whole values, so
 * a value whose parts are not all there yet is not read.
 *
 * @example
 * ```ts
 * const op = kv.atomic();
 * const parts = setParts(op, ["cluster", "stream", id, 7], { items }, { expireIn: 60_000 });
 * await op.commit();
 * for await (const whole of readWholes(kv.list({ prefix: ["cluster", "stream", id] }), 4)) whole.value;
 * ```
 */

/** The longest piece of JSON in one part. */
export const PART_CHARS = 30_000;

/** Part 0: the first piece and how many parts there are. */
interface FirstPart {
  parts: number;
  text: string;
}

/** Cuts a value's JSON into pieces. */
export function piecesOf(value: unknown): string[] {
  const text = JSON.stringify(value);
  const pieces: string[] = [];
  for (let start = 0; start < text.length || pieces.length === 0; start += PART_CHARS) {
    pieces.push(text.slice(start, start + PART_CHARS));
  }
  return pieces;
}

/** Adds the writes of `value`'s parts under `base` to `operation`; returns how many parts. */
export function setParts(
  operation: Deno.AtomicOperation,
  base: Deno.KvKey,
  value: unknown,
  options?: { expireIn?: number },
): number {
  const pieces = piecesOf(value);
  pieces.forEach((piece, index) => {
    const stored: FirstPart | string = index === 0 ? { parts: pieces.length, text: piece } : piece;
    operation.set([...base, index], stored, options);
  });
  return pieces.length;
}

/** A whole value read back: the base it was written under, and the value. */
export interface Whole {
  base: Deno.KvKey;
  value: unknown;
  /** The keys of its parts, to delete it. */
  keys: Deno.KvKey[];
}

/**
 * The whole values among listed entries, in key order; `baseLength` is how
 * many key parts come before the part index. A value whose parts are not all
 * listed is left out, as is one whose JSON does not parse.
 */
export async function readWholes(
  entries: AsyncIterable<Deno.KvEntry<unknown>>,
  baseLength: number,
): Promise<Whole[]> {
  const wholes: Whole[] = [];
  let current: { base: Deno.KvKey; first: FirstPart; pieces: string[]; keys: Deno.KvKey[] } | null =
    null;
  const finish = () => {
    if (!current || current.pieces.length !== current.first.parts) return;
    try {
      wholes.push({
        base: current.base,
        value: JSON.parse(current.pieces.join("")),
        keys: current.keys,
      });
    } catch {
      // A value written by another version, or damaged: not a value.
    }
  };
  for await (const { key, value } of entries) {
    const base = key.slice(0, baseLength);
    const index = key[baseLength];
    if (index === 0 && isFirstPart(value)) {
      finish();
      current = { base, first: value, pieces: [value.text], keys: [key] };
    } else if (
      current && sameKey(current.base, base) && index === current.pieces.length &&
      typeof value === "string"
    ) {
      current.pieces.push(value);
      current.keys.push(key);
    }
  }
  finish();
  return wholes;
}

function isFirstPart(value: unknown): value is FirstPart {
  return typeof value === "object" && value !== null &&
    typeof (value as FirstPart).parts === "number" && typeof (value as FirstPart).text === "string";
}

function sameKey(a: Deno.KvKey, b: Deno.KvKey): boolean {
  return a.length === b.length && a.every((part, index) => part === b[index]);
}
