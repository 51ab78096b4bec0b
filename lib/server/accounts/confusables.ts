/**
 * A small confusable skeleton: two names with the same skeleton look alike on
 * screen, so the second is refused. It is this project's own short table, in
 * the spirit of Unicode's UTS #39 skeletons but far smaller, applied to a name
 * already in NFKC and case-folded (`names.ts`), which has taken care of
 * fullwidth forms (`ＲＯＯＴ`), mathematical letters (`𝐫𝐨𝐨𝐭`), ligatures and
 * case. What it adds:
 *
 * - Cyrillic, Greek and Armenian letters that look like a Latin letter, in
 *   lower or upper case (Cyrillic `о`/`О` → `o`, `н` (upper `Н`) → `h`, Greek
 *   `ρ` → `p`, Armenian `օ` → `o`, …);
 * - Latin look-alikes: `ı` (dotless i), `ɩ`, `1`, `i` and `l` are one letter
 *   (`Ian` and `lan` look alike in most fonts), `0` and `o` are one, `ȷ` is `j`,
 *   `ɑ` is `a`, `ɡ` is `g`;
 * - the pairs `rn` → `m` and `vv` → `w`.
 *
 * Its limit: letters of other scripts are compared as they are, and a look-alike
 * missing from the table is not caught; names mixing scripts are refused
 * outright (`names.ts`), which stops most of what the table misses. Raising
 * {@linkcode SKELETON_VERSION} whenever the table changes makes the accounts
 * module index every existing name again.
 *
 * @example
 * ```ts
 * skeletonOf("rооt"); // "root" (Cyrillic о)
 * skeletonOf("r00t"); // "root"
 * skeletonOf("ian") === skeletonOf("lan"); // true
 * ```
 */

/** Changes whenever the table does, so stored skeletons are made again. */
export const SKELETON_VERSION = 1;

/** Each look-alike (lower case, after NFKC) and the Latin letter it passes for. */
const LOOK_ALIKES: Record<string, string> = {
  // Latin and digits
  "ı": "l",
  "ɩ": "l",
  "ǀ": "l",
  "i": "l",
  "1": "l",
  "0": "o",
  "ȷ": "j",
  "ɑ": "a",
  "ɡ": "g",
  // Cyrillic
  "а": "a",
  "в": "b",
  "ь": "b",
  "г": "r",
  "с": "c",
  "ԁ": "d",
  "е": "e",
  "һ": "h",
  "н": "h",
  "і": "l",
  "ӏ": "l",
  "ј": "j",
  "к": "k",
  "м": "m",
  "п": "n",
  "о": "o",
  "р": "p",
  "ԛ": "q",
  "ѕ": "s",
  "т": "t",
  "ѵ": "v",
  "ԝ": "w",
  "х": "x",
  "у": "y",
  "ү": "y",
  // Greek
  "α": "a",
  "β": "b",
  "ϲ": "c",
  "ε": "e",
  "η": "n",
  "ι": "l",
  "κ": "k",
  "ν": "v",
  "ο": "o",
  "ρ": "p",
  "τ": "t",
  "υ": "u",
  "χ": "x",
  "γ": "y",
  "ζ": "z",
  "ω": "w",
  // Armenian
  "հ": "h",
  "ո": "n",
  "օ": "o",
  "ս": "u",
};

/** Letter pairs that pass for one letter, applied after the table. */
const LOOK_ALIKE_PAIRS: [RegExp, string][] = [[/rn/g, "m"], [/vv/g, "w"]];

/**
 * The skeleton of a name that is already NFKC and case-folded: each
 * look-alike replaced by the Latin letter it passes for.
 */
export function skeletonOf(folded: string): string {
  let skeleton = "";
  for (const char of folded) skeleton += LOOK_ALIKES[char] ?? char;
  for (const [pair, letter] of LOOK_ALIKE_PAIRS) skeleton = skeleton.replace(pair, letter);
  return skeleton;
}
