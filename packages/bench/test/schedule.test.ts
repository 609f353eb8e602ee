import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OpenLoopSchedule } from "../src/schedule.ts";

describe("OpenLoopSchedule", () => {
  // 1000 requests/s over 4 connections: one every ms, taking the connections in turn.
  it("spreads the rate evenly over the connections", () => {
    const s = new OpenLoopSchedule(100, 1000, 4);
    expect([0, 1, 2, 3].map((c) => s.scheduledAt(c, 0))).toEqual([100, 101, 102, 103]);
    expect(s.scheduledAt(0, 1)).toBe(104);
    expect(s.scheduledAt(2, 5)).toBe(100 + 5 * 4 + 2);
  });

  // dueBy counts exactly the requests whose time has come.
  it("counts the requests due by a given time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (connections, rate, elapsed) => {
          const s = new OpenLoopSchedule(0, rate, connections);
          for (let conn = 0; conn < connections; conn++) {
            const due = s.dueBy(conn, elapsed);
            if (due > 0) expect(s.scheduledAt(conn, due - 1)).toBeLessThanOrEqual(elapsed + 1e-6);
            expect(s.scheduledAt(conn, due)).toBeGreaterThan(elapsed - 1e-6);
          }
        },
      ),
      { seed: 20261201 },
    );
  });

  // A late caller gets every request it missed, at once; none is dropped or moved.
  it("hands a late caller everything it missed", () => {
    const s = new OpenLoopSchedule(0, 1000, 3);
    const touched = new Int32Array(3);
    expect(s.advance(0.5, touched)).toBe(1); // request 0 of connection 0
    expect([...touched.subarray(0, 1)]).toEqual([0]);
    // 20 ms late: 20 more requests, so every connection has new ones.
    expect(s.advance(20.5, touched)).toBe(3);
    expect([...touched].sort()).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((c) => s.dueBy(c, 20.5))).toEqual([7, 7, 7]);
    // The schedule did not move: the next request is still due at 21 ms.
    expect(s.nextAt).toBe(21);
    // Early calls take nothing.
    expect(s.advance(20.9, touched)).toBe(0);
  });

  // Over any sequence of calls, each connection is touched whenever its due count grows.
  it("touches exactly the connections with new requests", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ min: 0, max: 30, noNaN: true }), { minLength: 1, maxLength: 30 }),
        (connections, steps) => {
          const s = new OpenLoopSchedule(0, 1000, connections);
          const touched = new Int32Array(connections);
          const seen = new Array<number>(connections).fill(0);
          let now = 0;
          for (const step of steps) {
            now += step;
            const n = s.advance(now, touched);
            const got = new Set(touched.subarray(0, n));
            expect(got.size).toBe(n);
            for (let c = 0; c < connections; c++) {
              const due = s.dueBy(c, now);
              expect(got.has(c)).toBe(due > (seen[c] ?? 0));
              seen[c] = due;
            }
          }
        },
      ),
      { seed: 20261201 },
    );
  });
});
