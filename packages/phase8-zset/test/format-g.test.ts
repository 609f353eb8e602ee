// formatG against real C: a table of what glibc's printf("%g") printed for
// 761 doubles (curated, halfway cases, powers, random bit patterns),
// generated once with gcc (see the fixture's "command"); no C compiler runs here.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatG } from "../src/format-g.ts";

interface GTable {
  cases: [bits: string, printed: string][];
}
const table: GTable = JSON.parse(
  readFileSync(new URL("./fixtures/format-g.json", import.meta.url), "utf8"),
);
/** What C printed for each bit pattern. */
const printedByC = new Map(table.cases);

/** The double with these IEEE-754 bits (big-endian hex), and whether it is a NaN with its sign bit set. */
function fromBits(bits: string): { x: number; negativeNaN: boolean } {
  const x = Buffer.from(bits, "hex").readDoubleBE(0);
  return { x, negativeNaN: Number.isNaN(x) && Number.parseInt(bits.slice(0, 1), 16) >= 8 };
}
const bitsOf = (x: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(x);
  return b.toString("hex");
};

describe("formatG", () => {
  // Shows: every double in the table prints exactly as glibc printed it.
  test.each(table.cases)("%s prints as C's %j", (bits, printed) => {
    const { x, negativeNaN } = fromBits(bits);
    expect(formatG(x, negativeNaN)).toBe(printed);
  });

  // The examples worth reading, each also a row of the C table.
  const examples: [x: number, printed: string, why: string][] = [
    [1.1, "1.1", "trailing zeros of 1.10000 are stripped"],
    [2, "2", "and the point when nothing follows it"],
    [1e20, "1e+20", "exponent >= 6: scientific, sign and two digits"],
    [123456789, "1.23457e+08", "rounded to 6 significant digits"],
    [0.0001, "0.0001", "exponent -4 is still fixed"],
    [1e-5, "1e-05", "exponent -5 is scientific"],
    [123456, "123456", "6 digits fit in fixed"],
    [1234567, "1.23457e+06", "7 digits do not"],
    [999999.5, "1e+06", "rounding up adds a digit and changes the style"],
    [0.5, "0.5", "a plain half"],
    [2.5e-5, "2.5e-05", "not a tie: 2.5e-5 is not exact in binary"],
    [1234565, "1.23456e+06", "an exact tie rounds to even (JS toPrecision gives 1.23457e+6)"],
    [123456.5, "123456", "an exact tie rounds to even"],
    [12345.25, "12345.2", "an exact tie rounds to even"],
    [1234575, "1.23458e+06", "an exact tie rounds to even, here up"],
    [-0, "-0", "negative zero keeps its sign"],
    [5e-324, "4.94066e-324", "the smallest subnormal"],
    [2.225073858507201e-308, "2.22507e-308", "the largest subnormal"],
    [Number.MAX_VALUE, "1.79769e+308", "DBL_MAX"],
    [Number.POSITIVE_INFINITY, "inf", "infinity"],
    [Number.NEGATIVE_INFINITY, "-inf", "minus infinity"],
    [Number.NaN, "nan", "NaN with its sign bit clear"],
  ];

  // Shows: the cases worth knowing by heart, each checked against the C table too.
  test.each(examples)("%d prints as %j: %s", (x, printed) => {
    expect(formatG(x)).toBe(printed);
    expect(printedByC.get(bitsOf(x))).toBe(printed);
  });

  // Shows: a NaN with its sign bit set prints "-nan", as glibc does (x86's 0.0/0.0 is one).
  test("prints -nan when told the NaN's sign bit was set", () => {
    expect(formatG(Number.NaN, true)).toBe("-nan");
    expect(printedByC.get("fff8000000000000")).toBe("-nan");
    // The flag means nothing for other numbers.
    expect(formatG(-1, true)).toBe("-1");
  });
});
