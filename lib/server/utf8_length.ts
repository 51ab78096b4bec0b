/**
 * The length of a string in UTF-8 bytes, counted without encoding it: for
 * size bounds on text that is about to be sent or stored.
 *
 * @example
 * ```ts
 * utf8Length("Zoë ☃"); // 8
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    // Each half of a surrogate pair counts 2: together the 4 bytes of one code point.
    else if (unit >= 0xd800 && unit <= 0xdfff) bytes += 2;
    else bytes += 3;
  }
  return bytes;
}
