// The wire format, and decoding a stream of frames the event loop's way:
// chunks appended to a ByteQueue, parseFrame() called until it needs more
// bytes, exactly as handleRead does. Every decoding case runs three ways
// (whole, byte by byte, split at random points by fast-check) and must give
// the same frames.

import { byteByByte, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ByteQueue } from "../src/buffer.ts";
import {
  decodeHeader,
  encodeFrame,
  encodeFrames,
  FrameTooLargeError,
  HEADER_SIZE,
  MAX_MESSAGE,
  parseFrame,
  UnexpectedEofError,
} from "../src/protocol.ts";

/** The limit these tests decode with: small, so that "exactly the limit" is cheap to build. */
const LIMIT = 4096;

/** What decoding a whole stream gave: the payloads, then how it stopped. */
interface Decoded {
  payloads: string[];
  /** "EOF" when every byte belonged to a whole frame; else what was left, or the error. */
  end: string;
  /** Bytes taken off the queue (answered frames) in all. */
  consumed: number;
}

/** Feeds the chunks one by one, answering whole frames after each, like handleRead. */
function decodeAll(chunks: readonly Uint8Array[]): Decoded {
  const incoming = new ByteQueue();
  const payloads: string[] = [];
  let consumed = 0;
  for (const chunk of chunks) {
    incoming.append(Buffer.from(chunk));
    const bytes = incoming.bytes();
    let offset = 0;
    try {
      for (;;) {
        const payload = parseFrame(bytes, offset, LIMIT);
        if (payload === null) break;
        offset += HEADER_SIZE + payload.length;
        payloads.push(payload.toString("hex"));
      }
    } catch (err: unknown) {
      const end = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      return { payloads, end, consumed: consumed + offset };
    }
    incoming.consume(offset);
    consumed += offset;
    if (bytes.length - offset >= HEADER_SIZE) {
      incoming.reserve(HEADER_SIZE + bytes.readUInt32LE(offset));
    }
  }
  const left = incoming.length;
  return { payloads, end: left === 0 ? "EOF" : `${left} bytes of an unfinished frame`, consumed };
}

const hex = (...payloads: (string | Uint8Array)[]) =>
  payloads.map((p) => Buffer.from(p).toString("hex"));
const big = Buffer.alloc(LIMIT, 0xab);
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
    name: "a payload of exactly the limit",
    stream: frames("a", big),
    expected: { payloads: hex("a", big), end: "EOF", consumed: 5 + 4 + LIMIT },
  },
  {
    name: "the stream stops inside a header",
    stream: Buffer.concat([frames("ok"), Buffer.from([3, 0])]),
    expected: { payloads: hex("ok"), end: "2 bytes of an unfinished frame", consumed: 6 },
  },
  {
    name: "the stream stops inside a payload",
    stream: Buffer.concat([frames("ok"), frames("cut short").subarray(0, 7)]),
    expected: { payloads: hex("ok"), end: "7 bytes of an unfinished frame", consumed: 6 },
  },
  {
    // The error comes as soon as the header is whole, however much follows it.
    name: "a length over the limit, with its payload right behind it",
    stream: Buffer.concat([frames("ok"), Buffer.from([0x01, 0x10, 0, 0]), Buffer.alloc(4097, 1)]),
    expected: {
      payloads: hex("ok"),
      end: "FrameTooLargeError: length 4097 exceeds the 4096-byte limit",
      consumed: 6,
    },
  },
  {
    name: "a length of 0xFFFFFFFF: refused, nothing allocated",
    stream: Buffer.from([0xff, 0xff, 0xff, 0xff]),
    expected: {
      payloads: [],
      end: "FrameTooLargeError: length 4294967295 exceeds the 4096-byte limit",
      consumed: 0,
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
      fc.property(fc.integer({ min: 0, max: LIMIT }), (n) => {
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
      "length 4294967295 exceeds the 33554432-byte limit",
    );
    expect(() => decodeHeader(Buffer.from([0x01, 0x10, 0, 0]), LIMIT)).toThrow(
      "length 4097 exceeds the 4096-byte limit",
    );
    expect(() => encodeFrame(Buffer.alloc(LIMIT + 1), LIMIT)).toThrow(FrameTooLargeError);
  });

  // Shows: the default limit is the book's chapter 6 one, 32 MiB.
  test("MAX_MESSAGE is 32 MiB", () => {
    expect(MAX_MESSAGE).toBe(32 * 1024 * 1024);
  });
});

describe("encodeFrames", () => {
  // Shows: many replies become the same bytes as their frames one after the other.
  test("gives the bytes of each frame in turn, copying small payloads together", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            fc.uint8Array({ minLength: 16_384, maxLength: 20_000 }),
          ),
          { maxLength: 8 },
        ),
        (payloads) => {
          const pieces = encodeFrames(payloads);
          const expected = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          expect(Buffer.concat(pieces).equals(expected)).toBe(true);
          // Big payloads are sent as they are (no copy); small ones share a buffer.
          const big = payloads.filter((p) => p.length >= 16_384);
          expect(pieces.filter((piece) => big.some((p) => p === piece))).toHaveLength(big.length);
          expect(pieces.length).toBeLessThanOrEqual(1 + 2 * big.length);
        },
      ),
    );
  });

  // Shows: a reply over the limit is a bug the encoder refuses.
  test("refuses a payload over the limit", () => {
    expect(() => encodeFrames([Buffer.alloc(5)], 4)).toThrow("length 5 exceeds the 4-byte limit");
  });
});

describe("parseFrame decodes a byte stream into frames, however it arrives", () => {
  describe.each(cases)("$name", ({ stream, expected }) => {
    // Shows: the stream in one read gives the expected frames.
    test("whole", () => {
      expect(decodeAll([stream])).toEqual(expected);
    });

    // Shows: one byte per read gives the very same frames.
    test("byte by byte", () => {
      expect(decodeAll(byteByByte(stream))).toEqual(expected);
    });

    // Shows: cut at any points, the stream still gives the same frames.
    test("split at random points", () => {
      fc.assert(
        fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
          expect(decodeAll(splitAt(stream, cuts))).toEqual(expected);
        }),
        { numRuns: 100 },
      );
    });
  });

  // Shows: "not whole yet" is null, never an error, at every point inside a frame.
  test("returns null until the last byte of a frame is there", () => {
    const bytes = frames("abc");
    for (let n = 0; n < bytes.length; n++) expect(parseFrame(bytes.subarray(0, n), 0)).toBeNull();
    expect(parseFrame(bytes, 0)?.toString()).toBe("abc");
  });

  // Shows: the payload is a view into the received bytes, not a copy.
  test("returns the payload as a view of the buffer, from any offset", () => {
    const bytes = frames("first", "second");
    const second = parseFrame(bytes, 9);
    expect(second?.toString()).toBe("second");
    expect(second?.buffer).toBe(bytes.buffer);
    expect(second?.byteOffset).toBe(bytes.byteOffset + 9 + HEADER_SIZE);
  });

  // Shows: for any payloads and any cuts, exactly those payloads come out, then EOF.
  test("any payloads, cut anywhere, come out unchanged", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (payloads, cuts) => {
          const stream = frames(...payloads);
          const scaled = cuts.map((c) => c % (stream.length + 1));
          const decoded = decodeAll(splitAt(stream, scaled));
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
