// C's printf("%g") for a double, which the book's client uses to print a
// DBL reply: `(dbl) 1.1`, `(dbl) 2`, `(dbl) 1e+20`. To print what the
// book's client prints, we need the same text for every double.
//
// %g means "6 significant digits, in whichever of two styles is shorter to
// read": with X the decimal exponent of the value once rounded to 6 digits,
//   - if -4 <= X < 6, fixed notation (%f): 123456, 0.0001, 1.1
//   - otherwise scientific (%e): 1.23457e+08, 1e-05, 1e+20
// then trailing zeros after the point are removed, and the point too if
// nothing follows it. The exponent has a sign and at least two digits.
// Infinities print as inf / -inf, NaN as nan / -nan, negative zero as -0.
//
// JavaScript has number.toPrecision(6), which is almost this, but not quite:
// - its styles differ ("1.23457e+8", no zero padding; 1e-5 stays fixed
//   down to 1e-6), and it never strips zeros ("2.00000");
// - it rounds a value exactly halfway between two 6-digit results up, where
//   glibc rounds to the even digit (the IEEE default rounding mode):
//   1234565 prints as 1.23456e+06 in C and 1.23457e+6 in JS. Halfway cases
//   are real doubles (1234565, 123456.5, 12345.25), so this file computes
//   the exact decimal digits of the double and rounds them itself.

/**
 * The text printf("%g", x) writes with glibc, for any double.
 *
 * JavaScript cannot see the sign of a NaN (every NaN is the same value to
 * it), but glibc prints "-nan" for a NaN whose sign bit is set, as x86's
 * 0.0/0.0 gives. Pass `negativeNaN` to say the NaN's sign bit was set (the
 * reply decoder reads it from the raw bytes); it is ignored for non-NaNs.
 */
export function formatG(x: number, negativeNaN = false): string {
  if (Number.isNaN(x)) return negativeNaN ? "-nan" : "nan";
  // Object.is tells -0 from 0, which `x < 0` cannot.
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const abs = Math.abs(x);
  if (abs === Number.POSITIVE_INFINITY) return `${sign}inf`;
  if (abs === 0) return `${sign}0`;

  // The 6 significant digits, rounded exactly, and the exponent X of the
  // first one: abs ~= 0.d1d2d3d4d5d6 * 10^(X + 1).
  const { digits, exponent } = roundedDigits(abs, PRECISION);
  if (exponent < -4 || exponent >= PRECISION) {
    // %e: d.ddddde+XX, then trailing zeros stripped.
    const mantissa = stripZeros(`${digits.slice(0, 1)}.${digits.slice(1)}`);
    const expSign = exponent < 0 ? "-" : "+";
    const expDigits = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${expSign}${expDigits}`;
  }
  // %f with (PRECISION - 1 - X) digits after the point: exactly the same 6
  // significant digits, with the point placed by the exponent.
  if (exponent >= 0) {
    const whole = digits.slice(0, exponent + 1);
    return `${sign}${stripZeros(`${whole}.${digits.slice(exponent + 1)}`)}`;
  }
  return `${sign}${stripZeros(`0.${"0".repeat(-exponent - 1)}${digits}`)}`;
}

/** %g's default precision: significant digits. */
const PRECISION = 6;

/** "1.50000" -> "1.5", "2.00000" -> "2", "100000." -> "100000", "100" stays (no point). */
function stripZeros(text: string): string {
  if (!text.includes(".")) return text;
  return text.replace(/0+$/, "").replace(/\.$/, "");
}

/**
 * The first `precision` significant decimal digits of `x` (finite, > 0),
 * rounded to nearest with ties to even, and the decimal exponent of the
 * first digit after rounding.
 *
 * A double is m * 2^e with an integer m below 2^53, so its decimal value
 * is exact and finite: m * 2^e for e >= 0, or m * 5^-e / 10^-e for e < 0.
 * BigInt gives us those digits exactly (up to ~770 of them for the
 * smallest subnormals), so rounding can look at every one of them.
 */
function roundedDigits(x: number, precision: number): { digits: string; exponent: number } {
  const { mantissa, exponent2 } = decompose(x);
  // All the digits of x, and where the decimal point goes: x = all * 10^-shift.
  let all: string;
  let shift: number;
  if (exponent2 >= 0) {
    all = (mantissa << BigInt(exponent2)).toString();
    shift = 0;
  } else {
    all = (mantissa * 5n ** BigInt(-exponent2)).toString();
    shift = -exponent2;
  }
  // Decimal exponent of the first digit: all has all.length digits.
  let exponent = all.length - 1 - shift;
  if (all.length <= precision) {
    return { digits: all.padEnd(precision, "0"), exponent };
  }
  // Round at `precision` digits: look at the rest to decide.
  let kept = BigInt(all.slice(0, precision));
  const first = all.charCodeAt(precision) - 48; // the first dropped digit
  const restIsZero = /^0*$/.test(all.slice(precision + 1));
  const roundUp = first > 5 || (first === 5 && (!restIsZero || kept % 2n === 1n));
  if (roundUp) kept += 1n;
  let digits = kept.toString();
  // 999999.5 rounds up to 1000000: one digit more, so the exponent grows.
  if (digits.length > precision) {
    digits = digits.slice(0, precision);
    exponent += 1;
  }
  return { digits, exponent };
}

/** x (finite, > 0) as mantissa * 2^exponent2, mantissa an integer, read from its bits. */
function decompose(x: number): { mantissa: bigint; exponent2: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  // Subnormals (biased 0) have no implicit leading 1 and the smallest exponent.
  return biased === 0
    ? { mantissa: fraction, exponent2: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent2: biased - 1075 };
}
