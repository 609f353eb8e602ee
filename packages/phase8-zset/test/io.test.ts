// readFull and writeAll on a fake connection whose read() returns the bytes
// in whatever pieces a test chooses, like TCP does.

import { byteByByte, fakeConnection, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { readFull, writeAll } from "../src/io.ts";

const stream = Buffer.from("0123456789abcdefghij");

describe("readFull", () => {
  // Shows: exactly n bytes come back however the stream is cut, and the rest stays unread.
  test("returns exactly n bytes, whole, byte by byte and split anywhere", async () => {
    for (const chunks of [[stream], byteByByte(stream), splitAt(stream, [3, 4, 11])]) {
      const conn = fakeConnection(chunks);
      expect((await readFull(conn, 7)).toString()).toBe("0123456");
      expect((await readFull(conn, 13)).toString()).toBe("789abcdefghij");
    }
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: stream.length }), { maxLength: 10 }),
        fc.nat({ max: stream.length }),
        async (cuts, n) => {
          const conn = fakeConnection(splitAt(stream, cuts));
          expect((await readFull(conn, n)).toString()).toBe(stream.subarray(0, n).toString());
          expect(conn.consumed()).toBe(n);
        },
      ),
    );
  });

  // Shows: it never asks read() for more than is still missing, so it cannot eat the next frame.
  test("asks read() only for the bytes still missing", async () => {
    const conn = fakeConnection(splitAt(stream, [2, 5]));
    await readFull(conn, 9);
    expect(conn.asked).toEqual([9, 7, 4]);
  });

  // Shows: EOF before n bytes gives the short buffer, and EOF first gives an empty one.
  test("returns fewer bytes only at EOF", async () => {
    expect((await readFull(fakeConnection(byteByByte(Buffer.from("abc"))), 5)).toString()).toBe(
      "abc",
    );
    expect(await readFull(fakeConnection([]), 4)).toHaveLength(0);
  });

  // Shows: reading 0 bytes (an empty payload) needs no read() call at all.
  test("reads nothing for n = 0", async () => {
    const conn = fakeConnection([stream]);
    expect(await readFull(conn, 0)).toHaveLength(0);
    expect(conn.asked).toEqual([]);
  });
});

describe("writeAll", () => {
  // Shows: every byte is handed to write(), in one call (Node queues what the kernel cannot take yet).
  test("hands every byte to the connection", async () => {
    const conn = fakeConnection([]);
    await writeAll(conn, stream);
    expect(Buffer.concat(conn.written).equals(stream)).toBe(true);
  });
});
