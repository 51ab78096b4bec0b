/**
 * What a user name is, in one place: the name shown (NFKC), the key names are
 * unique by (NFKC, then case-folded), the skeleton look-alikes share
 * (`confusables.ts`), and the names refused outright because they mix
 * scripts (Latin with Cyrillic, say), the usual way to fake a look-alike.
 *
 * | written | shown as | unique as | skeleton |
 * | --- | --- | --- | --- |
 * | `Ada` | `Ada` | `ada` | `ada` |
 * | `ＲＯＯＴ` (fullwidth) | `ROOT` | `root` | `root` |
 * | `rııt` (dotless i) | `rııt` | `riit` | `rllt` |
 * | `RОOT` (Cyrillic О) | refused: Latin and Cyrillic | | |
 * | `рор` (all Cyrillic) | `рор` | `рор` | `pop`: refused while `pop` exists |
 *
 * Scripts are read from Unicode's Script_Extensions, so marks shared by
 * several scripts (`ー` for Hiragana and Katakana) fit any of them; digits,
 * `_`, `.` and `-` belong to every script. Japanese (Han with Hiragana and
 * Katakana), Korean (Han with Hangul) and Han with Bopomofo count as one
 * script each, as in Unicode's UTS #39. Letters of scripts this module does
 * not list count as one further script, so they never mix with a listed one.
 *
 * @example
 * ```ts
 * checkName("ＲＯＯＴ"); // { ok: true, name: "ROOT", key: "root", skeleton: "root" }
 * checkName("RОOT"); // { ok: false, reason: "mixed_scripts", message: "…" }
 * ```
 */
import { skeletonOf } from "./confusables.ts";

/** Display names: 1–32 letters, digits, `-`, `_` and `.`, as the contract's `UserName`. */
const NAME_PATTERN = /^[\p{L}\p{N}_.-]{1,32}$/u;

/** A name as the accounts module keeps it. */
export interface CheckedName {
  ok: true;
  /** As shown: NFKC, case kept. */
  name: string;
  /** What names are unique by: NFKC, case-folded. */
  key: string;
  /** What look-alike names share. */
  skeleton: string;
}

/** Why a name is refused. */
export interface RefusedName {
  ok: false;
  reason: "invalid" | "mixed_scripts";
  message: string;
}

/** Case folding: upper then lower case maps `ß` to `ss` and `ı` to `i`, as full folding does. */
function fold(name: string): string {
  return name.toUpperCase().toLowerCase().normalize("NFKC");
}

/** The key names are unique by: "Ada", "ADA" and "ＡＤＡ" are one name. */
export function nameKey(name: string): string {
  return fold(name.normalize("NFKC"));
}

const LISTED_SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Georgian",
  "Hebrew",
  "Arabic",
  "Syriac",
  "Thaana",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Oriya",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
  "Thai",
  "Lao",
  "Tibetan",
  "Myanmar",
  "Khmer",
  "Mongolian",
  "Ethiopic",
  "Cherokee",
  "Han",
  "Hiragana",
  "Katakana",
  "Bopomofo",
  "Hangul",
  "Yi",
] as const;

const SCRIPT_PATTERNS = LISTED_SCRIPTS.map((script) => ({
  script,
  pattern: new RegExp(`\\p{scx=${script}}`, "u"),
}));
const SHARED = /[\p{scx=Common}\p{scx=Inherited}]/u;

/** Han writes Japanese, Korean and Chinese with Bopomofo; kana and Hangul write one each. */
const WRITING_SYSTEMS: Record<string, string[]> = {
  Han: ["Han", "Japanese", "Korean", "Bopomofo+Han"],
  Hiragana: ["Hiragana", "Japanese"],
  Katakana: ["Katakana", "Japanese"],
  Hangul: ["Hangul", "Korean"],
  Bopomofo: ["Bopomofo", "Bopomofo+Han"],
};

/** The writing systems a character fits, or null for characters every script shares. */
function writingSystemsOf(char: string): Set<string> | null {
  if (SHARED.test(char)) return null;
  const systems = new Set<string>();
  for (const { script, pattern } of SCRIPT_PATTERNS) {
    if (pattern.test(char)) {
      for (const system of WRITING_SYSTEMS[script] ?? [script]) systems.add(system);
    }
  }
  if (systems.size === 0) systems.add("other");
  return systems;
}

/** Whether one writing system fits every character of `name`. */
function isSingleScript(name: string): boolean {
  let common: string[] | null = null;
  for (const char of name) {
    const systems = writingSystemsOf(char);
    if (!systems) continue;
    common = common ? common.filter((system) => systems.has(system)) : [...systems];
    if (common.length === 0) return false;
  }
  return true;
}

/**
 * Checks and normalises a name someone wants to be known by (to register,
 * or as a guest). Whether another account already holds it, or a look-alike,
 * is the store's question (`accounts.ts`).
 */
export function checkName(raw: string): CheckedName | RefusedName {
  const name = raw.normalize("NFKC");
  if (!NAME_PATTERN.test(name)) {
    return {
      ok: false,
      reason: "invalid",
      message: "names are 1-32 letters, digits, '-', '_' or '.'",
    };
  }
  if (!isSingleScript(name)) {
    return {
      ok: false,
      reason: "mixed_scripts",
      message: "a name must be written in one script (no Latin letters mixed with Cyrillic, say)",
    };
  }
  const key = fold(name);
  return { ok: true, name, key, skeleton: skeletonOf(key) };
}
