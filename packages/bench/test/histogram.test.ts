import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Histogram } from "../src/histogram.ts";

/** The exact percentile, by the same rank rule: the ceil(p% * n)-th smallest value. */
function exact(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] ?? 0;
}

describe("Histogram", () => {
  // An empty histogram reports zeros instead of NaN or a crash.
  it("reports zeros when empty", () => {
    expect(new Histogram().summary()).toEqual({
      count: 0,
      p50: 0,
      p99: 0,
      p999: 0,
      max: 0,
      mean: 0,
    });
  });

  // Below 128 µs every value has its own bucket, so percentiles are exact.
  it("is exact for small values", () => {
    const h = new Histogram();
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    for (const v of values) h.record(v);
    expect(h.percentile(50)).toBe(exact(values, 50));
    expect(h.percentile(99)).toBe(exact(values, 99));
    expect(h.summary().max).toBe(100);
  });

  // Any values: a percentile is never below the exact one and at most 1/64 above it;
  // the max and the mean are exact.
  it("keeps percentiles within 1/64 of the exact value", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(50, 90, 99, 99.9, 100),
        (values, p) => {
          const h = new Histogram();
          for (const v of values) h.record(v);
          const want = exact(values, p);
          const got = h.percentile(p);
          expect(got).toBeGreaterThanOrEqual(want);
          expect(got).toBeLessThanOrEqual(want + want / 64);
          expect(h.summary().max).toBe(Math.max(...values));
          expect(h.summary().mean).toBeCloseTo(
            values.reduce((a, b) => a + b, 0) / values.length,
            6,
          );
        },
      ),
    );
  });

  // Fractions of a microsecond are dropped, negatives count as zero.
  it("rounds down and clamps at zero", () => {
    const h = new Histogram();
    h.record(12.9);
    h.record(-3);
    expect(h.percentile(100)).toBe(12);
    expect(h.percentile(50)).toBe(0);
  });
});
