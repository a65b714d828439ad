/**
 * Numbers read the way mosquitto's clients read them (C's atoi, atol, atof, strtol), so a
 * flag value means what it means to mosquitto_pub and mosquitto_sub. Each reader also says
 * whether the whole text was a number: mosquitto reads "abc" as 0 without a word, which we
 * refuse instead (see `strict` in mosquitto-args.ts), naming the flag.
 */

/** A number read from text, and whether the text was a number and nothing else. */
export interface CNumber {
  value: number;
  /** At least one digit was read and nothing but trailing nothing followed. */
  whole: boolean;
}

const SPACE = /^[ \t\n\v\f\r]*/;

/** C's strtol(text, &end, base) for base 10 or 0 (0x.. hex, 0.. octal), saturating at 64 bits. */
export function strtol(text: string, base: 0 | 10 = 10): CNumber {
  let rest = text.replace(SPACE, '');
  let sign = 1;
  if (rest[0] === '+' || rest[0] === '-') {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  let radix = 10;
  if (base === 0) {
    if (/^0[xX][0-9a-fA-F]/.test(rest)) {
      radix = 16;
      rest = rest.slice(2);
    } else if (/^0/.test(rest)) radix = 8;
  }
  const digits = (radix === 16 ? /^[0-9a-fA-F]+/ : radix === 8 ? /^[0-7]+/ : /^[0-9]+/).exec(rest)?.[0] ?? '';
  if (!digits) return { value: 0, whole: false };
  let value = BigInt(sign) * BigInt(radix === 16 ? `0x${digits}` : radix === 8 ? `0o${digits}` : digits);
  const max = 2n ** 63n - 1n;
  if (value > max) value = max;
  if (value < -max - 1n) value = -max - 1n;
  return { value: Number(value), whole: rest.length === digits.length };
}

/** C's atoi: strtol, then the low 32 bits as a signed int (as glibc's cast does). */
export function atoi(text: string): CNumber {
  const read = strtol(text);
  return { value: Number(BigInt.asIntN(32, BigInt(read.value))), whole: read.whole };
}

/** C's atol on a 64-bit system. */
export function atol(text: string): CNumber {
  return strtol(text);
}

/** C's atof: the longest leading decimal number, 0 when there is none. */
export function atof(text: string): CNumber {
  const rest = text.replace(SPACE, '');
  const match = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest)?.[0];
  if (match) return { value: Number(match), whole: match.length === rest.length };
  const special = /^[+-]?(inf(inity)?|nan)/i.exec(rest)?.[0];
  if (special) return { value: special.toLowerCase().includes('nan') ? NaN : special.startsWith('-') ? -Infinity : Infinity, whole: special.length === rest.length };
  return { value: 0, whole: false };
}
