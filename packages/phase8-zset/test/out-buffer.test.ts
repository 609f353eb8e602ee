// The growable output buffer: appends of every kind, doubling growth,
// marks and truncation, patching, and handing the bytes over.
import "./helpers/seed.ts";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OutBuffer } from "../src/out-buffer.ts";

describe("OutBuffer", () => {
  // Shows: each writer appends its little-endian bytes after the previous ones.
  test("appends bytes, u32, i64, f64 and raw bytes in order", () => {
    const out = new OutBuffer();
    out.u8(5);
    out.u32(0x01020304);
    out.i64(-2n);
    out.f64(1);
    out.append("hi");
    out.append(Uint8Array.of(0xff));
    expect(out.bytes().toString("hex")).toBe(
      ["05", "04030201", "feffffffffffffff", "000000000000f03f", "6869", "ff"].join(""),
    );
    expect(out.length).toBe(1 + 4 + 8 + 8 + 2 + 1);
  });

  // Shows: a byte string is written one byte per char (0x80..0xFF too), not as UTF-8.
  test("writes byte strings as latin1", () => {
    const out = new OutBuffer();
    out.append("\u0000\u0080\u00ff");
    expect([...out.bytes()]).toEqual([0, 0x80, 0xff]);
  });

  // Shows: a safe integer written without BigInt gives the same 8 bytes as the bigint.
  test("i64FromNumber matches i64 for every safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const a = new OutBuffer();
        const b = new OutBuffer();
        a.i64FromNumber(n);
        b.i64(BigInt(n));
        expect(a.bytes().equals(b.bytes())).toBe(true);
      }),
    );
    const edge = new OutBuffer();
    edge.i64FromNumber(-1);
    edge.i64FromNumber(-(2 ** 32));
    expect(edge.bytes().toString("hex")).toBe("ffffffffffffffff" + "00000000ffffffff");
  });

  // Shows: growth doubles, so n small appends cause only O(log n) moves.
  test("grows by doubling", () => {
    const out = new OutBuffer();
    const capacities = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      out.u8(i);
      capacities.add(out.capacity);
    }
    expect([...capacities]).toEqual(
      Array.from({ length: capacities.size }, (_, i) => 256 * 2 ** i),
    );
    expect(capacities.size).toBe(Math.ceil(Math.log2(100_000 / 256)) + 1);
    // A write bigger than double the room gets exactly the room it needs.
    const big = new OutBuffer();
    big.append(Buffer.alloc(10_000));
    expect(big.capacity).toBe(10_000);
  });

  // Shows: bytes written before a move are kept (the copy is complete).
  test("keeps every byte across growth", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 700 }), { maxLength: 20 }), (pieces) => {
        const out = new OutBuffer();
        for (const piece of pieces) out.append(piece);
        expect(out.bytes().equals(Buffer.concat(pieces))).toBe(true);
      }),
    );
  });

  // Shows: truncate returns to a mark, and later writes continue from there.
  test("truncates back to a mark", () => {
    const out = new OutBuffer();
    out.append("keep");
    const mark = out.length;
    out.append("x".repeat(1000));
    out.truncate(mark);
    out.append("!");
    expect(out.bytes().toString("latin1")).toBe("keep!");
    expect(() => out.truncate(99)).toThrow("cannot truncate 5 bytes to 99");
  });

  // Shows: a reserved u32 can be patched later; patching outside what was written is refused.
  test("patches a u32 written earlier", () => {
    const out = new OutBuffer();
    out.u8(9);
    out.u32(0);
    out.append("abc");
    out.patchU32(1, 3);
    expect(out.bytes().toString("hex")).toBe("0903000000616263");
    expect(() => out.patchU32(5, 1)).toThrow("no u32 written at byte 5 of 8");
    expect(out.byteAt(0)).toBe(9);
    expect(out.byteAt(8)).toBeUndefined();
  });

  // Shows: take() hands the bytes over and starts again in new memory, so they stay intact.
  test("take hands over the bytes and starts afresh", () => {
    const out = new OutBuffer();
    out.append("first");
    const taken = out.take();
    expect(out.length).toBe(0);
    out.append("second");
    expect(taken.toString("latin1")).toBe("first");
    expect(out.bytes().toString("latin1")).toBe("second");
  });
});
