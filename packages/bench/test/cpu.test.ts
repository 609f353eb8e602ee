import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cpuPercent,
  cpuPerRequest,
  isLoadgenBound,
  LOADGEN_BOUND_PERCENT,
  parseProcStat,
} from "../src/cpu.ts";

/** A /proc/<pid>/stat line as Linux writes it, with the given command name, utime and stime. */
function statLine(comm: string, utime: number, stime: number): string {
  const after = ["S", "1", "100", "100", "0", "-1", "4194560", "2000", "0", "3", "0"];
  return `4242 (${comm}) ${after.join(" ")} ${utime} ${stime} 0 0 20 0 11 0 5000 1000000 12000\n`;
}

describe("parseProcStat", () => {
  // utime and stime are fields 14 and 15, counted after the command name.
  it("reads utime and stime", () => {
    expect(parseProcStat(statLine("node", 1234, 56))).toEqual({ user: 1234, system: 56 });
  });

  // A command name may hold spaces and parentheses: fields count from the last ")".
  it("is not fooled by the command name", () => {
    expect(parseProcStat(statLine("a) b (c", 7, 8))).toEqual({ user: 7, system: 8 });
  });

  // Anything else is unknown rather than a made-up number.
  it("returns null for text that is not a stat line", () => {
    expect(parseProcStat("")).toBeNull();
    expect(parseProcStat("4242 (node) S 1")).toBeNull();
  });
});

describe("CPU per request", () => {
  // 150 ticks of 10 ms over 1.5 s is one whole core; over 100,000 requests, 15 µs each.
  it("divides the CPU time of the window by the requests answered in it", () => {
    const w = {
      start: parseProcStat(statLine("node", 1000, 200)) ?? { user: 0, system: 0 },
      end: parseProcStat(statLine("node", 1120, 230)) ?? { user: 0, system: 0 },
      ticksPerSecond: 100,
      elapsedMs: 1500,
      requests: 100_000,
    };
    expect(cpuPerRequest(w)).toBeCloseTo(15, 9);
    expect(cpuPercent(w)).toBeCloseTo(100, 9);
  });

  // User and system time both count, at any tick rate.
  it("adds user and system time", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.nat(1_000_000),
        fc.nat(10_000),
        fc.nat(10_000),
        fc.constantFrom(100, 250, 1000),
        fc.integer({ min: 1, max: 10_000_000 }),
        (u0, s0, du, ds, hz, requests) => {
          const us = cpuPerRequest({
            start: { user: u0, system: s0 },
            end: { user: u0 + du, system: s0 + ds },
            ticksPerSecond: hz,
            elapsedMs: 1000,
            requests,
          });
          expect(us).toBeCloseTo((((du + ds) / hz) * 1e6) / requests, 6);
        },
      ),
    );
  });

  // No request answered: no figure, rather than a division by zero.
  it("has no figure without requests", () => {
    const t = { user: 1, system: 1 };
    expect(
      cpuPerRequest({ start: t, end: t, ticksPerSecond: 100, elapsedMs: 1, requests: 0 }),
    ).toBeNull();
  });
});

describe("the load-generator-bound rule", () => {
  // The load generator flat out while the server idles: the numbers are the load generator's.
  it("marks a busy load generator and a server with CPU to spare", () => {
    expect(isLoadgenBound(97, 60)).toBe(true);
    expect(isLoadgenBound(LOADGEN_BOUND_PERCENT, 89.9)).toBe(true);
  });

  // Both flat out: the server is a limit too, so the result stands.
  it("does not mark a run where the server was busy as well", () => {
    expect(isLoadgenBound(99, 95)).toBe(false);
    expect(isLoadgenBound(99, LOADGEN_BOUND_PERCENT)).toBe(false);
  });

  // A load generator with room to spare never bounds the result; unknown CPU marks nothing.
  it("needs the load generator at 90% or more, and known figures", () => {
    expect(isLoadgenBound(89.9, 10)).toBe(false);
    expect(isLoadgenBound(null, 10)).toBe(false);
    expect(isLoadgenBound(99, null)).toBe(false);
  });
});
