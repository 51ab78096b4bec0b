/**
 * The size of a string in UTF-8 bytes, counted without encoding it: for size
 * bounds on what is about to be sent or stored, where encoding the text only
 * to measure it would double the work.
 *
 * @example
 * ```ts
 * utf8Length("Zoë ☃"); // 8
 * ```
 */

/** UTF-8 bytes of one UTF-16 unit; each half of a surrogate pair counts 2 (4 per code point). */
function unitLength(unit: number): number {
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  if (unit >= 0xd800 && unit <= 0xdfff) return 2;
  return 3;
}

/** A unit of more than one UTF-8 byte: found natively, far faster than the loop below. */
const NOT_ASCII = /[\u0080-\uffff]/;

/** The length of `text` in UTF-8 bytes. */
export function utf8Length(text: string): number {
  // Most of what is measured (frames, presence lists, names) is ASCII.
  if (!NOT_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let index = 0; index < text.length; index++) bytes += unitLength(text.charCodeAt(index));
  return bytes;
}
