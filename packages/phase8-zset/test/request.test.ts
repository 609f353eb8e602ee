// The request inside a frame: encoding, parsing, every way a payload can be
// bad, and decoding a stream of framed requests however TCP cuts it.
import "./helpers/seed.ts";
import { byteByByte, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodeFrame } from "../src/protocol.ts";
import {
  BadRequestError,
  encodeRequest,
  MAX_ARGS,
  parseRequest,
  type RequestProblem,
} from "../src/request.ts";
import { framePayloads } from "./helpers/frames.ts";

/** Bytes from a hex string with spaces, as BOOK.md writes them. */
const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");
/** A request payload for words given as text (UTF-8, as the client sends them). */
const request = (...words: string[]) => encodeRequest(words.map((w) => Buffer.from(w)));
/** Little-endian u32s, for building payloads by hand. */
const u32 = (...ns: number[]) => {
  const b = Buffer.alloc(4 * ns.length);
  ns.forEach((n, i) => {
    b.writeUInt32LE(n, 4 * i);
  });
  return b;
};
/** What parsing gives: the arguments as hex (byte strings back to bytes), or the error's problem. */
function outcome(payload: Buffer): string[] | RequestProblem {
  try {
    return parseRequest(payload).map((s) => Buffer.from(s, "latin1").toString("hex"));
  } catch (err: unknown) {
    if (err instanceof BadRequestError) return err.problem;
    throw err;
  }
}

describe("encodeRequest", () => {
  // Shows: the bytes of BOOK.md's example, `set k v`, framed.
  test("encodes `set k v` as the book does", () => {
    expect(encodeFrame(request("set", "k", "v"))).toEqual(
      hex("15 00 00 00  03 00 00 00  03 00 00 00 73 65 74  01 00 00 00 6b  01 00 00 00 76"),
    );
  });

  // Shows: an empty list is just nstr 0, and empty strings are a zero length each.
  test("encodes an empty list and empty strings", () => {
    expect(encodeRequest([])).toEqual(hex("00 00 00 00"));
    expect(request("", "")).toEqual(hex("02 00 00 00  00 00 00 00  00 00 00 00"));
  });

  // Shows: the client refuses a list the server would refuse, before sending it.
  test("refuses more than MAX_ARGS strings", () => {
    const args = Array.from({ length: MAX_ARGS + 1 }, () => new Uint8Array(0));
    expect(() => encodeRequest(args)).toThrow("nstr 200001 exceeds the 200000-argument limit");
    expect(encodeRequest(args.slice(1)).readUInt32LE(0)).toBe(MAX_ARGS);
  });
});

describe("parseRequest", () => {
  // Shows: any list of any bytes comes back as byte strings holding exactly those bytes.
  test("round-trips random binary argument lists", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), (args) => {
        const parsed = parseRequest(encodeRequest(args));
        expect(parsed).toHaveLength(args.length);
        parsed.forEach((s, i) => {
          // One char per byte, and the same bytes back.
          expect(s.length).toBe(args[i]?.length);
          expect(Buffer.from(s, "latin1").equals(Buffer.from(args[i] ?? []))).toBe(true);
        });
      }),
    );
  });

  // Shows: every byte value 0..255 survives, where UTF-8 decoding would mangle 0x80..0xFF.
  test("is binary safe: every byte value survives", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const [s] = parseRequest(encodeRequest([all]));
    expect(s).toHaveLength(256);
    expect([...(s ?? "")].map((c) => c.charCodeAt(0))).toEqual([...all]);
    // The same bytes decoded as UTF-8 would not round-trip: the reason for latin1.
    expect(Buffer.from(Buffer.from(all).toString("utf8")).equals(all)).toBe(false);
  });

  // Shows: byte strings compare with === byte for byte, so they work as Map keys.
  test("gives byte strings that compare equal exactly when the bytes are equal", () => {
    const [a, b, c] = parseRequest(request("k\u00e9", "k\u00e9", "ke"));
    expect(a === b).toBe(true);
    expect(a === c).toBe(false);
    // "é" is two UTF-8 bytes, so two chars here.
    expect(a).toBe("k\u00c3\u00a9");
  });

  // Shows: nstr 0 is a valid, empty request; empty strings are valid arguments.
  test("accepts an empty list and empty strings", () => {
    expect(parseRequest(u32(0))).toEqual([]);
    expect(parseRequest(u32(3, 0, 0, 0))).toEqual(["", "", ""]);
  });

  // Each bad payload, and the exact problem and sentence it gives.
  const bad: { name: string; payload: Buffer; problem: RequestProblem; message: string }[] = [
    {
      name: "an empty payload",
      payload: Buffer.alloc(0),
      problem: { kind: "no-count", size: 0 },
      message: "an empty request has no string count (nstr needs 4 bytes)",
    },
    {
      name: "3 bytes: no room for nstr",
      payload: hex("01 00 00"),
      problem: { kind: "no-count", size: 3 },
      message: "a request of 3 bytes has no string count (nstr needs 4 bytes)",
    },
    {
      name: "nstr over the limit",
      payload: u32(300_000),
      problem: { kind: "too-many", nstr: 300_000, limit: 200_000 },
      message: "nstr 300000 exceeds the 200000-argument limit",
    },
    {
      name: "nstr 0xFFFFFFFF, nothing else",
      payload: u32(0xffffffff),
      problem: { kind: "too-many", nstr: 4294967295, limit: 200_000 },
      message: "nstr 4294967295 exceeds the 200000-argument limit",
    },
    {
      name: "nstr 1 and no length",
      payload: u32(1),
      problem: { kind: "no-length", index: 1, nstr: 1, remaining: 0 },
      message: "string 1 of 1 has no length: only 0 bytes remain",
    },
    {
      name: "a length cut short",
      payload: Buffer.concat([u32(2, 1), Buffer.from("a"), hex("05 00")]),
      problem: { kind: "no-length", index: 2, nstr: 2, remaining: 2 },
      message: "string 2 of 2 has no length: only 2 bytes remain",
    },
    {
      name: "a string running past the end",
      payload: Buffer.concat([u32(3, 1), Buffer.from("a"), u32(100), Buffer.from("hello")]),
      problem: { kind: "overrun", index: 2, nstr: 3, length: 100, remaining: 5 },
      message: "string 2 of 3 claims 100 bytes but only 5 remain",
    },
    {
      name: "a length of 0xFFFFFFFF: refused, nothing allocated",
      payload: u32(1, 0xffffffff),
      problem: { kind: "overrun", index: 1, nstr: 1, length: 4294967295, remaining: 0 },
      message: "string 1 of 1 claims 4294967295 bytes but only 0 remain",
    },
    {
      name: "the limit's worth of strings claimed, 8 bytes sent",
      payload: u32(MAX_ARGS, 0),
      problem: { kind: "no-length", index: 2, nstr: MAX_ARGS, remaining: 0 },
      message: "string 2 of 200000 has no length: only 0 bytes remain",
    },
    {
      name: "bytes left over after the last string",
      payload: Buffer.concat([request("get", "k"), Buffer.from("garbage")]),
      problem: { kind: "trailing", extra: 7, nstr: 2 },
      message: "7 bytes left over after the last of 2 strings",
    },
    {
      name: "bytes left over after nstr 0",
      payload: u32(0, 0),
      problem: { kind: "trailing", extra: 4, nstr: 0 },
      message: "4 bytes left over after an empty list (nstr 0)",
    },
  ];

  // Shows: each bad payload is refused with its numbers and a one-sentence message.
  test.each(bad)("refuses $name", ({ payload, problem, message }) => {
    expect(() => parseRequest(payload)).toThrow(BadRequestError);
    expect(() => parseRequest(payload)).toThrow(message);
    expect(outcome(payload)).toEqual(problem);
  });

  // Shows: exactly MAX_ARGS strings is still allowed.
  test("accepts exactly MAX_ARGS strings", () => {
    const payload = Buffer.concat([u32(MAX_ARGS), Buffer.alloc(4 * MAX_ARGS)]);
    expect(parseRequest(payload)).toHaveLength(MAX_ARGS);
  });

  // Shows: no proper prefix of a request is a request (each needs all its bytes).
  test("refuses every cut-short request", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 5 }),
        fc.nat(),
        (args, cut) => {
          const payload = encodeRequest(args);
          const prefix = payload.subarray(0, cut % payload.length);
          expect(() => parseRequest(prefix)).toThrow(BadRequestError);
        },
      ),
    );
  });

  // Shows: any bytes after a whole request make it a bad one, with their count.
  test("refuses every request with bytes appended", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 10 }), { maxLength: 5 }),
        fc.uint8Array({ minLength: 1, maxLength: 10 }),
        (args, extra) => {
          const payload = Buffer.concat([encodeRequest(args), extra]);
          expect(outcome(payload)).toEqual({
            kind: "trailing",
            extra: extra.length,
            nstr: args.length,
          });
        },
      ),
    );
  });
});

describe("a stream of framed requests decodes the same however it is cut", () => {
  // The stream: good requests, then a bad one; the server stops at the bad one.
  const requests = [
    request("set", "k", "v"),
    request("get", "k"),
    encodeRequest([]),
    encodeRequest([Uint8Array.from([0, 255, 10, 13])]),
    Buffer.concat([request("del", "k"), Buffer.from("!")]),
  ];
  const stream = Buffer.concat(requests.map((r) => encodeFrame(r)));
  const expected = [
    ["736574", "6b", "76"],
    ["676574", "6b"],
    [],
    ["00ff0a0d"],
    { kind: "trailing", extra: 1, nstr: 2 },
  ];
  /** Frames found in the chunks, each parsed as a request. */
  const decode = (chunks: readonly Uint8Array[]) => {
    const { payloads, leftover } = framePayloads(chunks);
    return { requests: payloads.map(outcome), leftover };
  };

  // Shows: the stream in one read gives every request, then the bad one's problem.
  test("whole", () => {
    expect(decode([stream])).toEqual({ requests: expected, leftover: 0 });
  });

  // Shows: one byte per read gives the very same requests.
  test("byte by byte", () => {
    expect(decode(byteByByte(stream))).toEqual({ requests: expected, leftover: 0 });
  });

  // Shows: cut at any points, the stream still gives the same requests.
  test("split at random points", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 12 }), (cuts) => {
        expect(decode(splitAt(stream, cuts))).toEqual({ requests: expected, leftover: 0 });
      }),
    );
  });
});
