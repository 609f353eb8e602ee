// Chapter 7's status replies: the book's bytes, decoding, the line the
// book's client prints, and a stream of framed replies cut any way.
import "./helpers/seed.ts";
import { byteByByte, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodeFrame } from "../src/protocol.ts";
import {
  BadResponseError,
  decodeResponse,
  encodeResponse,
  formatResponse,
  RES_ERR,
  RES_NX,
  RES_OK,
} from "../src/response.ts";
import { framePayloads } from "./helpers/frames.ts";

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");
/** The printed line for a payload, as text (only for ASCII cases). */
const line = (payload: Buffer) => formatResponse(decodeResponse(payload)).toString("latin1");

describe("encodeResponse", () => {
  // Shows: the two examples in BOOK.md, byte for byte, framed.
  test("gives the book's bytes for a hit and a miss", () => {
    expect(encodeFrame(encodeResponse(RES_OK, "20"))).toEqual(
      hex("06 00 00 00  00 00 00 00  32 30"),
    );
    expect(encodeFrame(encodeResponse(RES_NX))).toEqual(hex("04 00 00 00  02 00 00 00"));
  });

  // Shows: the book's status numbers.
  test("uses status 0 OK, 1 ERR, 2 NX", () => {
    expect([RES_OK, RES_ERR, RES_NX]).toEqual([0, 1, 2]);
    expect(encodeResponse(RES_ERR)).toEqual(hex("01 00 00 00"));
  });

  // Shows: a byte string is written one byte per char, never as UTF-8.
  test("writes a byte string's chars as single bytes", () => {
    const value = "\u0000\u007f\u0080\u00ff";
    expect(encodeResponse(RES_OK, value)).toEqual(hex("00 00 00 00  00 7f 80 ff"));
    expect(encodeResponse(RES_OK, Uint8Array.from([0, 0x7f, 0x80, 0xff]))).toEqual(
      encodeResponse(RES_OK, value),
    );
  });
});

describe("decodeResponse", () => {
  // Shows: any status and any data come back as they were sent.
  test("round-trips any status and data", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.uint8Array({ maxLength: 64 }), (status, data) => {
        const decoded = decodeResponse(encodeResponse(status, data));
        expect(decoded.status).toBe(status);
        expect(decoded.data.equals(data)).toBe(true);
      }),
    );
  });

  // Shows: a payload under 4 bytes has no status; the error gives its size.
  test.each([0, 1, 2, 3])("refuses a %i-byte payload", (size) => {
    expect(() => decodeResponse(Buffer.alloc(size))).toThrow(BadResponseError);
    expect(() => decodeResponse(Buffer.alloc(size))).toThrow(
      `a response of ${size} bytes has no status (it needs 4 bytes)`,
    );
  });
});

describe("formatResponse prints what the book's client prints", () => {
  // Shows: the status in brackets, a space, the data, a newline.
  test("prints a value", () => {
    expect(line(encodeResponse(RES_OK, "20"))).toBe("server says: [0] 20\n");
  });

  // Shows: the space after `]` is there even with no data.
  test("keeps the space when there is no data", () => {
    expect(line(encodeResponse(RES_NX))).toBe("server says: [2] \n");
    expect(line(encodeResponse(RES_ERR))).toBe("server says: [1] \n");
  });

  // Shows: an unknown status is printed as the number it is, not refused.
  test("prints any status number", () => {
    expect(line(encodeResponse(7, "x"))).toBe("server says: [7] x\n");
    expect(line(encodeResponse(0xffffffff))).toBe("server says: [4294967295] \n");
  });

  // Shows: data bytes are written raw (0xFF stays one 0xFF byte, no UTF-8).
  test("writes the data as raw bytes", () => {
    const printed = formatResponse(decodeResponse(encodeResponse(RES_OK, hex("c3 28 ff 0a"))));
    expect(printed).toEqual(
      Buffer.concat([Buffer.from("server says: [0] "), hex("c3 28 ff 0a"), Buffer.from("\n")]),
    );
  });

  // Shows: like the book's printf("%.*s"), printing stops at a zero byte.
  test("stops printing the data at the first zero byte, as the book's client does", () => {
    expect(line(encodeResponse(RES_OK, "a\u0000b"))).toBe("server says: [0] a\n");
  });
});

describe("a stream of framed replies prints the same however it is cut", () => {
  const replies = [
    encodeResponse(RES_OK),
    encodeResponse(RES_OK, "20"),
    encodeResponse(RES_NX),
    encodeResponse(RES_OK, "x".repeat(300)),
    encodeResponse(RES_ERR),
  ];
  const stream = Buffer.concat(replies.map((r) => encodeFrame(r)));
  const expected = [
    "server says: [0] \n",
    "server says: [0] 20\n",
    "server says: [2] \n",
    `server says: [0] ${"x".repeat(300)}\n`,
    "server says: [1] \n",
  ];
  const printAll = (chunks: readonly Uint8Array[]) => framePayloads(chunks).payloads.map(line);

  // Shows: all replies in one read print the expected lines.
  test("whole", () => {
    expect(printAll([stream])).toEqual(expected);
  });

  // Shows: one byte per read prints the very same lines.
  test("byte by byte", () => {
    expect(printAll(byteByByte(stream))).toEqual(expected);
  });

  // Shows: cut anywhere, the same lines.
  test("split at random points", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
        expect(printAll(splitAt(stream, cuts))).toEqual(expected);
      }),
    );
  });
});
