import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  BadRequest,
  describeTyped,
  encodeRequest,
  parseRequest,
  STATUS_NX,
  STATUS_OK,
  statusReply,
  typed,
  writeDigits,
} from "../src/kv.ts";

const hex = (bytes: string) => Buffer.from(bytes.replaceAll(" ", ""), "hex");
/** A reply payload framed as the server sends it. */
function framed(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(payload.length);
  return Buffer.concat([header, payload]);
}

describe("the book's bytes", () => {
  // BOOK.md chapter 9: `set k v` as a request.
  it("encodes a request as nstr, then length-prefixed strings", () => {
    expect(encodeRequest(["set", "k", "v"])).toEqual(
      hex("15000000 03000000 03000000 736574 01000000 6b 01000000 76"),
    );
  });

  // BOOK.md chapter 7: a hit returning "20", and a miss.
  it("encodes status replies", () => {
    expect(framed(statusReply(STATUS_OK, Buffer.from("20")))).toEqual(
      hex("06000000 00000000 3230"),
    );
    expect(framed(statusReply(STATUS_NX))).toEqual(hex("04000000 02000000"));
  });

  // BOOK.md chapter 9: NIL and INT 1.
  it("encodes typed values", () => {
    expect(framed(typed.nil())).toEqual(hex("01000000 00"));
    expect(framed(typed.int(1n))).toEqual(hex("09000000 03 0100000000000000"));
    expect(typed.str(Buffer.from("ab"))).toEqual(hex("02 02000000 6162"));
    expect(typed.arr([typed.nil(), typed.dbl(2)])).toEqual(
      hex("05 02000000 00 04 0000000000000040"),
    );
  });
});

describe("parseRequest", () => {
  // Whatever strings go in come back out, bytes and all.
  it("reads back any request", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (args) => {
        const payload = encodeRequest(args).subarray(4);
        expect(parseRequest(payload).map((b) => [...b])).toEqual(args.map((a) => [...a]));
      }),
      { seed: 20261201 },
    );
  });

  // The book's bad requests: no nstr, a string past the end, bytes left over, too many strings.
  it("refuses bad requests", () => {
    const good = encodeRequest(["get", "k"]).subarray(4);
    expect(() => parseRequest(Buffer.alloc(0))).toThrow(BadRequest);
    expect(() => parseRequest(good.subarray(0, good.length - 1))).toThrow(BadRequest);
    expect(() => parseRequest(Buffer.concat([good, hex("00")]))).toThrow(BadRequest);
    expect(() => parseRequest(hex("410d0300"))).toThrow(/200000-argument limit/);
    expect(parseRequest(hex("00000000"))).toEqual([]);
  });
});

describe("helpers", () => {
  // Typed values are described the way the book's client prints them.
  it("describes typed values", () => {
    const v = typed.str(Buffer.from("hello"));
    expect(describeTyped(v, 0, v.length)).toBe("(str) hello");
    const i = typed.int(-3n);
    expect(describeTyped(i, 0, i.length)).toBe("(int) -3");
    const e = typed.err(1, "unknown command.");
    expect(describeTyped(e, 0, e.length)).toBe("(err) 1 unknown command.");
  });

  // Digits are zero-padded to the width asked for.
  it("writes fixed-width decimals", () => {
    const out = Buffer.alloc(6);
    expect(writeDigits(out, 1, 42, 5)).toBe(6);
    expect(out.subarray(1).toString()).toBe("00042");
  });
});
