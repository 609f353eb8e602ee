// The wire format, and decoding a stream of frames with readRequest(): every
// decoding case runs three ways (whole, byte by byte, split at random points
// by fast-check) and must give the same frames.
import { silentLogger } from "@rah/core";
import { byteByByte, fakeConnection, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  decodeHeader,
  encodeFrame,
  FrameTooLargeError,
  HEADER_SIZE,
  MAX_MESSAGE,
  UnexpectedEofError,
} from "../src/protocol.ts";
import { readRequest } from "../src/server.ts";

/** What decoding a whole stream gave: the payloads, then how it stopped. */
interface Decoded {
  payloads: string[];
  end: string;
  /** Bytes read from the connection in all. */
  consumed: number;
}

/** Calls readRequest() until it returns null (EOF) or throws. */
async function decodeAll(chunks: readonly Uint8Array[]): Promise<Decoded> {
  const conn = fakeConnection(chunks);
  const payloads: string[] = [];
  for (;;) {
    try {
      const payload = await readRequest(conn, silentLogger);
      if (payload === null) return { payloads, end: "EOF", consumed: conn.consumed() };
      payloads.push(payload.toString("hex"));
    } catch (err: unknown) {
      const end = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { payloads, end, consumed: conn.consumed() };
    }
  }
}

const hex = (...payloads: (string | Uint8Array)[]) =>
  payloads.map((p) => Buffer.from(p).toString("hex"));
const big = Buffer.alloc(MAX_MESSAGE, 0xab);
const frames = (...payloads: (string | Uint8Array)[]) =>
  Buffer.concat(payloads.map((p) => encodeFrame(Buffer.from(p))));

// Each case: a byte stream, and what decoding it must give however it is cut.
const cases: { name: string; stream: Buffer; expected: Decoded }[] = [
  {
    name: "no bytes at all: EOF before any frame",
    stream: Buffer.alloc(0),
    expected: { payloads: [], end: "EOF", consumed: 0 },
  },
  {
    name: "one frame",
    stream: frames("hello"),
    expected: { payloads: hex("hello"), end: "EOF", consumed: 9 },
  },
  {
    name: "several frames, an empty one among them",
    stream: frames("one", "", "three"),
    expected: { payloads: hex("one", "", "three"), end: "EOF", consumed: 3 * 4 + 8 },
  },
  {
    name: "binary payload with every byte value",
    stream: frames(Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
    expected: {
      payloads: hex(Buffer.from(Array.from({ length: 256 }, (_, i) => i))),
      end: "EOF",
      consumed: 260,
    },
  },
  {
    name: "a payload of exactly MAX_MESSAGE bytes",
    stream: frames("a", big),
    expected: { payloads: hex("a", big), end: "EOF", consumed: 5 + 4 + MAX_MESSAGE },
  },
  {
    name: "EOF inside a header",
    stream: Buffer.concat([frames("ok"), Buffer.from([3, 0])]),
    expected: {
      payloads: hex("ok"),
      end: "UnexpectedEofError: unexpected EOF after 2 of 4 header bytes",
      consumed: 8,
    },
  },
  {
    name: "EOF inside a payload",
    stream: Buffer.concat([frames("ok"), frames("cut short").subarray(0, 7)]),
    expected: {
      payloads: hex("ok"),
      end: "UnexpectedEofError: unexpected EOF after 3 of 9 payload bytes",
      consumed: 13,
    },
  },
  {
    // consumed stops right after the header: the payload is never read.
    name: "a length over the limit, with its payload right behind it",
    stream: Buffer.concat([frames("ok"), Buffer.from([0x01, 0x10, 0, 0]), Buffer.alloc(4097, 1)]),
    expected: {
      payloads: hex("ok"),
      end: "FrameTooLargeError: length 4097 exceeds the 4096-byte limit",
      consumed: 10,
    },
  },
];

describe("encodeFrame / decodeHeader", () => {
  // Shows: the header is the payload length in 4 little-endian bytes.
  test("writes the length little-endian in front of the payload", () => {
    expect([...encodeFrame(Buffer.from("hi"))]).toEqual([2, 0, 0, 0, 0x68, 0x69]);
    expect([...encodeFrame(Buffer.alloc(0x0102))].slice(0, 4)).toEqual([2, 1, 0, 0]);
  });

  // Shows: decodeHeader undoes encodeFrame for every allowed length.
  test("reads back every length up to the limit", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_MESSAGE }), (n) => {
        expect(decodeHeader(encodeFrame(Buffer.alloc(n)).subarray(0, HEADER_SIZE))).toBe(n);
      }),
    );
  });

  // Shows: the length is unsigned, and anything over the limit is refused with both numbers.
  test("refuses lengths over the limit, up to 0xFFFFFFFF", () => {
    expect(() => decodeHeader(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      new FrameTooLargeError(0xffffffff, MAX_MESSAGE),
    );
    expect(() => decodeHeader(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      "length 4294967295 exceeds the 4096-byte limit",
    );
    expect(() => decodeHeader(Buffer.from([0x01, 0x10, 0, 0]))).toThrow(
      "length 4097 exceeds the 4096-byte limit",
    );
    expect(() => encodeFrame(Buffer.alloc(MAX_MESSAGE + 1))).toThrow(FrameTooLargeError);
  });
});

describe("readRequest decodes a byte stream into frames", () => {
  describe.each(cases)("$name", ({ stream, expected }) => {
    // Shows: the stream in one read gives the expected frames.
    test("whole", async () => {
      expect(await decodeAll([stream])).toEqual(expected);
    });

    // Shows: one byte per read gives the very same frames.
    test("byte by byte", async () => {
      expect(await decodeAll(byteByByte(stream))).toEqual(expected);
    });

    // Shows: cut at any points, the stream still gives the same frames.
    test("split at random points", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }),
          async (cuts) => {
            expect(await decodeAll(splitAt(stream, cuts))).toEqual(expected);
          },
        ),
        { numRuns: 100 },
      );
    });
  });

  // Shows: for any payloads and any cuts, exactly those payloads come out, then EOF.
  test("any payloads, cut anywhere, come out unchanged", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        async (payloads, cuts) => {
          const stream = frames(...payloads);
          const scaled = cuts.map((c) => c % (stream.length + 1));
          const decoded = await decodeAll(splitAt(stream, scaled));
          expect(decoded).toEqual({
            payloads: hex(...payloads),
            end: "EOF",
            consumed: stream.length,
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  // Shows: the error types carry the numbers, for logs and for tests.
  test("UnexpectedEofError says which part was cut short", () => {
    const err = new UnexpectedEofError("payload", 3, 9);
    expect([err.part, err.received, err.expected]).toEqual(["payload", 3, 9]);
  });
});
