// Numbers in arguments: `zadd k 1.5 name` carries its score as text, and
// `zquery ... 0 10` its offset and limit. The server must turn that text
// into a double or an int64, or answer ERR 4 ("expect float", "expect int").
//
// The book uses C's strtod and strtoll, and accepts a result only when the
// parse consumed the whole argument (and, for a score, is not NaN). To
// answer every command as the book's server does, these functions accept
// exactly the strings it accepts and give exactly the values it gets.
// JavaScript's own parsers would not:
//
//   text        strtod (book)   Number()     strtoll (book)   BigInt()
//   "inf"       Infinity        NaN          rejected         throws
//   "0x1p3"     8               NaN          rejected         throws
//   "0x10"      16              16           rejected         16n
//   "1 "        rejected        1            rejected         1n
//   " 1"        1               1            1                1n
//   "\u00a01"   rejected        1            rejected         1n
//   "0b1"       rejected        1            rejected         1n
//   "1e400"     Infinity        Infinity     rejected         throws
//   "99...9"    a double        a double     LLONG_MAX        the exact number
//   ""          0               0            0                0n
//
// So both are written here as small scanners that follow C's grammar, and
// the digits they validate are converted by JavaScript only where JS and C
// agree exactly (decimal text to the nearest double; digits to a bigint).
//
// One surprise is kept on purpose: the empty string is a valid number (0)
// for the book's server, because strtod and strtoll report "nothing
// converted" by leaving the end pointer at the start, and for an empty
// string the start *is* the end. `zadd k "" name` adds name with score 0.
// Redis itself refuses an empty score; here we answer as the book does.
import { INT64_MAX, INT64_MIN } from "./response.ts";

/** C's isspace() in the "C" locale: space, \t, \n, \v, \f, \r. Nothing else (not 0xA0). */
function isCSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** Whether `code` is an ASCII decimal digit. */
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The value of an ASCII hex digit, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20; // 'A'..'F' -> 'a'..'f'
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Skips C whitespace from `at`; returns the first other position. */
function skipSpace(s: string, at: number): number {
  while (at < s.length && isCSpace(s.charCodeAt(at))) at++;
  return at;
}

/** Skips decimal digits from `at`; returns the first non-digit position. */
function skipDigits(s: string, at: number): number {
  while (at < s.length && isDigit(s.charCodeAt(at))) at++;
  return at;
}

/**
 * A score, as the book's server reads it (strtod, whole string, not NaN):
 * the double, or null when the server would answer "expect float".
 *
 * Accepted, after optional leading C whitespace and an optional sign:
 *   - decimal: digits with an optional point (`1`, `1.`, `.5`), then an
 *     optional exponent (`e5`, `E-7`); out of range gives ±Infinity or
 *     ±0, as strtod does (the book ignores ERANGE);
 *   - hexadecimal: `0x` digits with an optional point, then an optional
 *     binary exponent (`0x1p3` = 8, `0x10` = 16, `0x.8` = 0.5);
 *   - `inf` or `infinity`, in any case.
 * Rejected: NaN in any spelling, trailing whitespace or anything else left
 * over, an embedded NUL (C's string ends there, so not all is consumed).
 * The empty string gives 0 (see the top of this file).
 */
export function parseScore(s: string): number | null {
  if (s.length === 0) return 0;
  let at = skipSpace(s, 0);
  let negative = false;
  const sign = s.charCodeAt(at);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    at++;
  }
  const first = s.charCodeAt(at);
  // inf / infinity, in any case: the whole rest must be one of them. (`nan`
  // is never accepted: strtod parses it, and the book then refuses NaN.)
  if ((first | 0x20) === 0x69) {
    const word = s.slice(at).toLowerCase();
    if (word !== "inf" && word !== "infinity") return null;
    return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  // 0x followed by a hex digit, or by a point and a hex digit: a hex float.
  // ("0x" alone is the number 0 followed by an "x": not wholly consumed.)
  if (first === 0x30 && (s.charCodeAt(at + 1) | 0x20) === 0x78) {
    const value = parseHexFloat(s, at + 2);
    if (value !== undefined) return value === null || !negative ? value : -value;
  }
  return parseDecimal(s, at, negative);
}

/**
 * The decimal float from `at` (after any sign) to the end of `s`, or null if
 * that text is not exactly one decimal float in C's grammar.
 */
function parseDecimal(s: string, at: number, negative: boolean): number | null {
  const start = at;
  at = skipDigits(s, at);
  let digits = at - start;
  if (s.charCodeAt(at) === 0x2e) {
    const fraction = at + 1;
    at = skipDigits(s, fraction);
    digits += at - fraction;
  }
  // At least one digit, before or after the point: "." alone is not a number.
  if (digits === 0) return null;
  // An exponent counts only if it has digits: "1e" is the number 1 and an
  // "e" left over, which the whole-string rule then refuses.
  const e = s.charCodeAt(at);
  if (e === 0x65 || e === 0x45) {
    let exp = at + 1;
    const expSign = s.charCodeAt(exp);
    if (expSign === 0x2b || expSign === 0x2d) exp++;
    const expEnd = skipDigits(s, exp);
    if (expEnd === exp) return null;
    at = expEnd;
  }
  if (at !== s.length) return null;
  // The text is now known to be exactly a decimal float, which is also a
  // valid JavaScript numeric string; Number() rounds it correctly to the
  // nearest double, as glibc's strtod does (V8 and glibc both round
  // decimal text exactly, however many digits it has).
  const value = Number(s.slice(start, at));
  return negative ? -value : value;
}

/** Hex digits kept exactly when reading a hex float; 30 digits = 120 bits, far more than 53. */
const HEX_DIGITS_KEPT = 30;

/**
 * The magnitude of a hex float whose digits start at `at` (just after the
 * "0x"), rounded to the nearest double (ties to even), as glibc's strtod
 * does; null if the text from `at` to the end is not exactly one hex float;
 * undefined if there is no hex digit at all (then "0x..." is the decimal
 * 0 followed by junk, which the caller refuses).
 */
function parseHexFloat(s: string, at: number): number | null | undefined {
  // Read the digits, before and after the point, into a BigInt mantissa.
  // Leading zeros are skipped; after HEX_DIGITS_KEPT significant digits the
  // rest only matter as "was anything non-zero dropped?" (the sticky bit),
  // so a hostile 30 MB mantissa costs a scan, not a 120-million-bit number.
  let mantissaText = "";
  let digits = 0; // every hex digit seen, zeros included
  let scale = 0; // binary exponent adjustment from digits after the point or dropped
  let sticky = false;
  let seenPoint = false;
  for (; at < s.length; at++) {
    const code = s.charCodeAt(at);
    if (code === 0x2e && !seenPoint) {
      seenPoint = true;
      continue;
    }
    const v = hexValue(code);
    if (v === -1) break;
    digits++;
    if (mantissaText.length < HEX_DIGITS_KEPT) {
      if (mantissaText.length > 0 || v !== 0) mantissaText += s.charAt(at);
      if (seenPoint) scale -= 4;
    } else {
      // Dropped: it still counts 4 bits of magnitude if before the point.
      if (v !== 0) sticky = true;
      if (!seenPoint) scale += 4;
    }
  }
  if (digits === 0) return undefined;
  // An optional binary exponent: p, a sign, decimal digits (needed).
  let exponent = 0;
  const p = s.charCodeAt(at);
  if (p === 0x70 || p === 0x50) {
    let exp = at + 1;
    const expSign = s.charCodeAt(exp);
    if (expSign === 0x2b || expSign === 0x2d) exp++;
    const expEnd = skipDigits(s, exp);
    if (expEnd === exp) return null;
    // Saturate: past a billion, the result is 0 or infinity whatever the
    // mantissa (which can shift it by at most 4 bits per input byte).
    for (let i = exp; i < expEnd; i++) {
      exponent = Math.min(exponent * 10 + (s.charCodeAt(i) - 0x30), 1e10);
    }
    if (expSign === 0x2d) exponent = -exponent;
    at = expEnd;
  }
  if (at !== s.length) return null;
  if (mantissaText === "") return 0;
  // value = mantissa * 2^(scale + exponent), plus "a little more" if sticky:
  // one extra low bit set stands for the dropped digits, which is enough
  // for rounding since the kept mantissa is far longer than 53 bits.
  let mantissa = BigInt(`0x${mantissaText}`);
  let power = scale + exponent;
  if (sticky) {
    mantissa = (mantissa << 1n) | 1n;
    power -= 1;
  }
  return roundToDouble(mantissa, power);
}

/**
 * mantissa * 2^power (mantissa > 0) rounded to the nearest double, ties to
 * even; Infinity if that is beyond the largest double, 0 if below half the
 * smallest subnormal.
 */
function roundToDouble(mantissa: bigint, power: number): number {
  const bits = mantissa.toString(2).length;
  // The exponent of the leading bit: value is in [2^top, 2^(top+1)).
  const top = power + bits - 1;
  if (top > 1024) return Number.POSITIVE_INFINITY;
  if (top < -1076) return 0;
  // The lowest bit a double can keep: 52 below the top bit, but never
  // below 2^-1074 (subnormals have fewer significant bits).
  const lowest = Math.max(top - 52, -1074);
  let kept = mantissa;
  if (power < lowest) {
    // Drop the bits below `lowest`, rounding to nearest, ties to even.
    const drop = BigInt(lowest - power);
    kept = mantissa >> drop;
    const rest = mantissa - (kept << drop);
    const half = 1n << (drop - 1n);
    if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
    power = lowest;
  }
  // kept has at most 54 bits here (53 and a carry) and each step below is
  // exact: Number(kept) is exact and multiplying by a power of two only
  // moves the exponent (to Infinity if the carry went past the top).
  return Number(kept) * 2 ** power;
}

/**
 * An integer argument, as the book's server reads it (strtoll base 10,
 * whole string): the int64 as a bigint, or null when the server would
 * answer "expect int".
 *
 * Accepted: optional leading C whitespace, an optional sign, decimal
 * digits (leading zeros are fine). A number past the int64 range is not
 * refused: strtoll clamps it to LLONG_MAX or LLONG_MIN and the book does
 * not check errno, so "99999999999999999999" is 9223372036854775807.
 * Rejected: "0x10" (base 10), "1e3", "1.0", trailing whitespace, an
 * embedded NUL. The empty string gives 0 (see the top of this file).
 */
export function parseInt64(s: string): bigint | null {
  if (s.length === 0) return 0n;
  let at = skipSpace(s, 0);
  let negative = false;
  const sign = s.charCodeAt(at);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    at++;
  }
  const start = at;
  at = skipDigits(s, at);
  if (at === start || at !== s.length) return null;
  // Skip leading zeros; more than 19 digits left is past the range for
  // sure (2^63 has 19), so clamp without building a huge BigInt from a
  // hostile megabyte of digits.
  let first = start;
  while (first < at - 1 && s.charCodeAt(first) === 0x30) first++;
  if (at - first > 19) return negative ? INT64_MIN : INT64_MAX;
  const value = BigInt(s.slice(first, at));
  if (negative) return -value < INT64_MIN ? INT64_MIN : -value;
  return value > INT64_MAX ? INT64_MAX : value;
}
