// ByteQueue, the incoming buffer: appends at the back, consumes from the
// front without moving bytes, and never rewrites bytes it has handed out.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ByteQueue } from "../src/buffer.ts";

type Op =
  | { kind: "append"; bytes: Uint8Array }
  | { kind: "consume"; fraction: number }
  | { kind: "reserve"; size: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("append" as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
  fc.record({
    kind: fc.constant("consume" as const),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant("reserve" as const), size: fc.nat({ max: 1000 }) }),
);

describe("ByteQueue", () => {
  // Shows: any mix of appends, consumes and reserves holds exactly the bytes a plain array would.
  test("behaves like a plain byte array with the front cut off", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const queue = new ByteQueue();
        let model = Buffer.alloc(0);
        for (const step of ops) {
          if (step.kind === "append") {
            queue.append(Buffer.from(step.bytes));
            model = Buffer.concat([model, step.bytes]);
          } else if (step.kind === "consume") {
            const n = Math.floor(step.fraction * model.length);
            queue.consume(n);
            model = model.subarray(n);
          } else {
            queue.reserve(step.size);
          }
          expect(queue.length).toBe(model.length);
          expect(queue.bytes().equals(model)).toBe(true);
        }
      }),
    );
  });

  // Shows: views taken earlier (payloads queued as replies) keep their bytes through later appends.
  test("never changes bytes it has handed out", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { maxLength: 30 }),
        (chunks) => {
          const queue = new ByteQueue();
          const views: { view: Buffer; copy: Buffer }[] = [];
          for (const chunk of chunks) {
            queue.append(Buffer.from(chunk));
            const view = queue.bytes();
            views.push({ view, copy: Buffer.from(view) });
            queue.consume(Math.floor(view.length / 2));
          }
          for (const { view, copy } of views) expect(view.equals(copy)).toBe(true);
        },
      ),
    );
  });

  // Shows: a chunk that arrives while nothing waits is used as it is, not copied.
  test("adopts a chunk without copying when it is empty", () => {
    const queue = new ByteQueue();
    const chunk = Buffer.from("a whole request");
    queue.append(chunk);
    expect(queue.bytes().buffer).toBe(chunk.buffer);
  });

  // Shows: once the size of the request is known, growing stops at exactly that size.
  test("after reserve(), memory grows to exactly the request's size", () => {
    const queue = new ByteQueue();
    queue.append(Buffer.alloc(10, 1));
    queue.reserve(10_000);
    for (let i = 0; i < 99; i++) queue.append(Buffer.alloc(100, 3));
    expect(queue.length).toBe(9_910);
    queue.append(Buffer.alloc(90, 4));
    expect(queue.length).toBe(10_000);
    expect(queue.capacity).toBe(10_000);
  });

  // Shows: a header's claim buys nothing up front: memory follows the bytes that arrive, at
  // most twice what is there, however big the announced request (the CVE-2021-32675 pattern).
  test("never holds much more memory than the bytes that arrived, whatever was announced", () => {
    const queue = new ByteQueue();
    queue.append(Buffer.alloc(10));
    queue.reserve(32 * 1024 * 1024);
    queue.append(Buffer.alloc(10));
    expect(queue.capacity).toBeLessThanOrEqual(2 * queue.length);
    for (let i = 0; i < 100; i++) {
      queue.append(Buffer.alloc(1000));
      expect(queue.capacity).toBeLessThanOrEqual(2 * queue.length);
    }
  });

  // Shows: many small appends to one unfinished request do not copy it each time (it doubles).
  test("grows by doubling when nothing was reserved", () => {
    const queue = new ByteQueue();
    const memories = new Set<ArrayBufferLike>();
    for (let i = 0; i < 1000; i++) {
      queue.append(Buffer.alloc(10, i % 256));
      memories.add(queue.bytes().buffer);
    }
    expect(queue.length).toBe(10_000);
    // 10,000 bytes in doubling steps from 10 bytes: a dozen allocations or so, not 1000.
    expect(memories.size).toBeLessThan(20);
  });

  // Shows: an emptied queue lets go of its memory, so an idle connection holds none.
  test("holds no memory once everything is consumed", () => {
    const queue = new ByteQueue();
    queue.append(Buffer.alloc(5000));
    queue.append(Buffer.alloc(5000));
    queue.consume(10_000);
    expect(queue.length).toBe(0);
    expect(queue.bytes().buffer.byteLength).toBe(0);
  });

  // Shows: consuming more than is there is a bug, reported as such.
  test("refuses to consume more than it holds", () => {
    const queue = new ByteQueue();
    queue.append(Buffer.from("abc"));
    expect(() => queue.consume(4)).toThrow("cannot consume 4 of 3 waiting bytes");
    expect(() => queue.consume(Number.NaN)).toThrow("cannot consume NaN of 3 waiting bytes");
  });
});
