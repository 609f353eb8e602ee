// parseScore and parseInt64 against real C: a table of what strtod and
// strtoll (with the book's whole-string rule) gave for 672 arguments,
// generated once with gcc (see the fixture's "command"); the decisions one
// by one; round trips of random numbers; and hostile inputs.
import "./helpers/seed.ts";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseInt64, parseScore } from "../src/numbers.ts";

interface NumberTable {
  /** [input, strtod's double as big-endian bits or null, strtoll's value or null, note?] */
  cases: [input: string, strtod: string | null, strtoll: string | null, note?: string][];
  /** Inputs where parseScore deliberately gives another double than this glibc did. */
  knownDifferences: Record<string, { parseScore: string; why: string }>;
}
const table: NumberTable = JSON.parse(
  readFileSync(new URL("./fixtures/numbers.json", import.meta.url), "utf8"),
);
const byInput = new Map(table.cases.map(([input, d, i]) => [input, { d, i }]));

/** A double's IEEE-754 bits as big-endian hex, the way the table writes them. */
function bitsOf(x: number): string {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
}
const fromBits = (bits: string) => Buffer.from(bits, "hex").readDoubleBE(0);
/** parseScore's answer in the table's terms. */
const scoreBits = (s: string) => {
  const x = parseScore(s);
  return x === null ? null : bitsOf(x);
};
/** parseInt64's answer in the table's terms. */
const intText = (s: string) => parseInt64(s)?.toString() ?? null;

describe("against C's strtod and strtoll", () => {
  // Shows: every argument in the table is accepted or refused as the book's server does, with the same value.
  test.each(table.cases)("%j", (input, strtod, strtoll) => {
    expect(scoreBits(input)).toBe(table.knownDifferences[input]?.parseScore ?? strtod);
    expect(intText(input)).toBe(strtoll);
  });

  // Shows: where we differ from this glibc, glibc was wrong: our double is nearer the exact value.
  test.each(Object.entries(table.knownDifferences))(
    "%s rounds correctly",
    (input, { parseScore: ours }) => {
      const glibc = byInput.get(input)?.d;
      expect(glibc).toBeTypeOf("string");
      expect(ours).not.toBe(glibc);
      const exact = exactHex(input);
      expect(distance(exact, fromBits(ours))).toBeLessThan(distance(exact, fromBits(glibc ?? "")));
    },
  );
});

/** A positive hex float's exact value as m * 2^e, read independently of numbers.ts. */
function exactHex(s: string): { m: bigint; e: number } {
  const match = /^\+?0x([0-9a-f]*)\.?([0-9a-f]*)p([+-]?\d+)$/i.exec(s);
  if (!match) throw new Error(`not a simple hex float: ${s}`);
  const [, whole = "", fraction = "", exp = "0"] = match;
  return { m: BigInt(`0x${whole}${fraction || "0"}`), e: Number(exp) - 4 * fraction.length };
}
/** |exact - x| in units of 2^-1100 (fine enough for these subnormals), exactly. */
function distance(exact: { m: bigint; e: number }, x: number): bigint {
  const unit = -1100;
  const a = exact.m << BigInt(exact.e - unit);
  // A positive subnormal is k * 2^-1074, k its bits.
  const k = BigInt(`0x${bitsOf(x)}`);
  const b = k << BigInt(-1074 - unit);
  return a > b ? a - b : b - a;
}

describe("the decisions, one by one (each also a row of the C table)", () => {
  // [input, score, int64, why]
  const decisions: [string, number | null, bigint | null, string][] = [
    [
      "",
      0,
      0n,
      "the empty string: C converts nothing, end == start == the end, so the book takes 0",
    ],
    [" ", null, null, "whitespace alone: nothing converted and the end pointer stays at the start"],
    ["inf", Infinity, null, "strtod knows inf; strtoll does not"],
    ["-inf", -Infinity, null, "with a sign"],
    ["INF", Infinity, null, "any case"],
    ["infinity", Infinity, null, "the long spelling"],
    ["infinit", null, null, "a prefix of infinity: inf is parsed, 'init' is left over"],
    ["nan", null, null, "strtod parses NaN; the book refuses it"],
    ["-nan", null, null, "in every spelling"],
    ["0x1p3", 8, null, "a hex float with a binary exponent"],
    ["0x10", 16, null, "hex for strtod; strtoll in base 10 stops at the x"],
    ["0x", null, null, "0 and a stray x"],
    [" \t\n\v\f\r-1.5", -1.5, null, "leading C whitespace is skipped: all six isspace characters"],
    [" -42", -42, -42n, "for integers too"],
    ["\u00a01", null, null, "0xA0 (no-break space) is not isspace in the C locale"],
    ["1 ", null, null, "trailing whitespace is not consumed"],
    ["+1", 1, 1n, "a plus sign"],
    ["1e400", Infinity, null, "overflow gives inf; the book ignores ERANGE"],
    ["-1e400", -Infinity, null, "and -inf"],
    ["1e-400", 0, null, "underflow gives 0"],
    ["-1e-400", -0, null, "or -0"],
    ["1.", 1, null, "a point with no digits after it"],
    [".5", 0.5, null, "no digits before it"],
    [".", null, null, "but at least one digit somewhere"],
    ["-0", -0, 0n, "negative zero is a double; an int64 has no -0"],
    ["1\u00002", null, null, "an embedded NUL ends C's string: not all of it is consumed"],
    ["007", 7, 7n, "leading zeros are decimal, not octal"],
    [
      "9223372036854775807",
      2 ** 63,
      9223372036854775807n,
      "LLONG_MAX (the nearest double is 2^63)",
    ],
    ["9223372036854775808", 2 ** 63, 9223372036854775807n, "strtoll clamps to LLONG_MAX"],
    ["-9223372036854775809", -(2 ** 63), -9223372036854775808n, "and to LLONG_MIN"],
    ["1e3", 1000, null, "strtoll reads no exponent"],
    ["0b1", null, null, "JS's Number() takes binary; C does not"],
  ];

  // Shows: each decision, with the C table agreeing.
  test.each(decisions)("%j -> %d, %s (%s)", (input, score, int) => {
    expect(Object.is(parseScore(input), score)).toBe(true);
    expect(parseInt64(input)).toBe(int);
    const c = byInput.get(input);
    expect(c).toBeDefined();
    expect(c?.d).toBe(score === null ? null : bitsOf(score));
    expect(c?.i).toBe(int === null ? null : int.toString());
  });
});

describe("round trips and hostile input", () => {
  // Shows: any finite double written as JS writes it reads back exactly.
  test("reads back every double from its shortest decimal text", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(parseScore(String(x)), x)).toBe(true);
        expect(Object.is(parseScore(x.toExponential(20)), x)).toBe(true);
      }),
    );
  });

  // Shows: any double written as an exact hex float (printf's %a form) reads back exactly.
  test("reads back every double from its hex float text", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        expect(Object.is(parseScore(hexFloat(x)), x)).toBe(true);
      }),
    );
  });

  // Shows: any int64, with leading whitespace, a plus sign or leading zeros, reads back exactly.
  test("reads back every int64", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.constantFrom("", " ", "\t\n"),
        fc.constantFrom("", "+", "0", "000"),
        (n, space, prefix) => {
          const digits = n < 0n ? `-${prefix.replace("+", "")}${-n}` : `${prefix}${n}`;
          expect(parseInt64(`${space}${digits}`)).toBe(n);
        },
      ),
    );
  });

  // Shows: arbitrary bytes never throw, and a score is never NaN.
  test("never throws and never returns NaN", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        const s = Buffer.from(bytes).toString("latin1");
        const score = parseScore(s);
        expect(score === null || !Number.isNaN(score)).toBe(true);
        parseInt64(s);
      }),
    );
  });

  // Shows: megabytes of digits are read without building a huge number, and correctly.
  test("handles very long arguments", () => {
    const zeros = "0".repeat(1_000_000);
    expect(parseScore(`0x1${zeros}p-4000000`)).toBe(1);
    expect(parseScore(`0x1${zeros}1p-4000004`)).toBe(1);
    expect(parseScore(`1${zeros}`)).toBe(Infinity);
    expect(parseScore(`0.${zeros}1`)).toBe(0);
    expect(parseInt64(`${"9".repeat(1_000_000)}`)).toBe(2n ** 63n - 1n);
    expect(parseInt64(`-${zeros}42`)).toBe(-42n);
    expect(parseScore(`0x1p${"9".repeat(1000)}`)).toBe(Infinity);
    expect(parseScore(`0x1p-${"9".repeat(1000)}`)).toBe(0);
  });
});

/** x as an exact hex float: [-]0x1.<13 hex digits>p<exp>, or 0x0.<...>p-1022 for subnormals. */
function hexFloat(x: number): string {
  const bits = BigInt(`0x${bitsOf(x)}`);
  const sign = bits >> 63n ? "-" : "";
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = (bits & ((1n << 52n) - 1n)).toString(16).padStart(13, "0");
  return biased === 0 ? `${sign}0x0.${fraction}p-1022` : `${sign}0x1.${fraction}p${biased - 1023}`;
}
