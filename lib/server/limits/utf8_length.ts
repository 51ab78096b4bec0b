/**
 * Sizes in UTF-8 bytes, counted without encoding: of a string as it is, and
 * of a string as `JSON.stringify` writes it. For size bounds on what is about
 * to be sent or stored, where building the text only to measure it would
 * double the work.
 *
 * @example
 * ```ts
 * utf8Length("Zoë ☃"); // 8
 * jsonStringLength('say "hi"\n'); // 14: JSON.stringify gives "say \"hi\"\n"
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

const isHigh = (unit: number) => unit >= 0xd800 && unit <= 0xdbff;
const isLow = (unit: number) => unit >= 0xdc00 && unit <= 0xdfff;

/** The length in UTF-8 bytes of `JSON.stringify(text)`, quotes and escapes included. */
export function jsonStringLength(text: string): number {
  let bytes = 2;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit === 0x22 || unit === 0x5c) bytes += 2; // \" and \\
    else if (unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d) {
      bytes += 2; // \b \t \n \f \r
    } else if (unit < 0x20) bytes += 6; // \u00XX
    else if (isHigh(unit) && isLow(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else if (isHigh(unit) || isLow(unit)) bytes += 6; // a lone surrogate, escaped as \uDXXX
    else bytes += unitLength(unit);
  }
  return bytes;
}
