// Typed replies: the bytes of every type (BOOK.md's examples included),
// int64 and double edge cases, round trips of random nested values,
// decoding whole / byte by byte / split at random points, malformed replies,
// and the lines the book's client prints.
import "./helpers/seed.ts";
import { byteByByte, splitAt } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { OutBuffer } from "../src/out-buffer.ts";
import { encodeFrame, MAX_MESSAGE } from "../src/protocol.ts";
import {
  decodeReply,
  decodeValue,
  ERR_BAD_ARG,
  ERR_BAD_TYP,
  ERR_TOO_BIG,
  ERR_UNKNOWN,
  formatValue,
  INT64_MAX,
  INT64_MIN,
  MAX_DEPTH,
  MalformedReplyError,
  outArr,
  outBeginArr,
  outDbl,
  outEndArr,
  outErr,
  outInt,
  outNil,
  outStr,
  TAG_ARR,
  TAG_DBL,
  TAG_ERR,
  TAG_INT,
  TAG_NIL,
  TAG_STR,
  type Value,
} from "../src/response.ts";
import { arbitraryValue, encodeValue, frameReply } from "./helpers/values.ts";

const hex = (s: string) => Buffer.from(s.replaceAll(" ", ""), "hex");
/** The bytes a writer appends to an empty buffer, as hex. */
function written(write: (out: OutBuffer) => void): string {
  const out = new OutBuffer();
  write(out);
  return out.bytes().toString("hex");
}
/** The printed lines for a value, as text (only for cases whose bytes are ASCII). */
const printed = (value: Value) => formatValue(value).toString("latin1");
const str = (value: string): Value => ({ type: "str", value });
const dbl = (value: number): Value => ({ type: "dbl", value });
const int = (value: bigint): Value => ({ type: "int", value });
const arr = (...values: Value[]): Value => ({ type: "arr", values });
const nil: Value = { type: "nil" };
/** The error decodeReply throws for a payload, or undefined. */
function replyError(payload: Buffer, limit?: number): unknown {
  try {
    decodeReply(payload, limit);
  } catch (err: unknown) {
    return err;
  }
  return undefined;
}

describe("tags and codes", () => {
  // Shows: the book's numbers for the six tags and four error codes.
  test("are the book's", () => {
    expect([TAG_NIL, TAG_ERR, TAG_STR, TAG_INT, TAG_DBL, TAG_ARR]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([ERR_UNKNOWN, ERR_TOO_BIG, ERR_BAD_TYP, ERR_BAD_ARG]).toEqual([1, 2, 3, 4]);
  });
});

describe("the writers", () => {
  // Shows: BOOK.md's two reply examples, framed as the server frames them.
  test("give BOOK.md's bytes for NIL and INT 1", () => {
    const framed = (write: (out: OutBuffer) => void) =>
      written((out) => frameReply(out, write, MAX_MESSAGE));
    expect(framed(outNil)).toBe(hex("01 00 00 00  00").toString("hex"));
    expect(framed((out) => outInt(out, 1))).toBe(
      hex("09 00 00 00  03  01 00 00 00 00 00 00 00").toString("hex"),
    );
  });

  // Shows: the layout of every type, byte for byte.
  test("lay out every type as the table says", () => {
    expect(written(outNil)).toBe("00");
    expect(written((out) => outErr(out, ERR_UNKNOWN, "unknown command."))).toBe(
      `01 01000000 10000000 ${Buffer.from("unknown command.").toString("hex")}`.replaceAll(" ", ""),
    );
    expect(written((out) => outStr(out, "ab"))).toBe("02020000006162");
    expect(written((out) => outStr(out, ""))).toBe("0200000000");
    expect(written((out) => outInt(out, -2))).toBe("03feffffffffffffff");
    expect(written((out) => outDbl(out, 1.1))).toBe("049a9999999999f13f");
    expect(written((out) => outArr(out, 0))).toBe("0500000000");
    expect(
      written((out) => {
        outArr(out, 2);
        outStr(out, "k");
        outNil(out);
      }),
    ).toBe("050200000002010000006b00");
  });

  // Shows: an array whose count is patched at the end gives the same bytes as one known up front.
  test("outBeginArr / outEndArr patch the count", () => {
    const patched = written((out) => {
      const at = outBeginArr(out);
      outStr(out, "n1");
      outDbl(out, 1.1);
      outEndArr(out, at, 2);
    });
    const upFront = written((out) => {
      outArr(out, 2);
      outStr(out, "n1");
      outDbl(out, 1.1);
    });
    expect(patched).toBe(upFront);
    // A position that is not right after an ARR tag is a bug, refused.
    const out = new OutBuffer();
    outStr(out, "xxxx");
    expect(() => outEndArr(out, 1, 0)).toThrow("outEndArr: no array was begun at byte 1");
  });

  // Shows: int64's extremes are written exactly; numbers must be safe integers.
  test("write int64 exactly, from bigints or safe numbers", () => {
    expect(written((out) => outInt(out, INT64_MIN))).toBe("030000000000000080");
    expect(written((out) => outInt(out, INT64_MAX))).toBe("03ffffffffffffff7f");
    expect(written((out) => outInt(out, Number.MAX_SAFE_INTEGER))).toBe("03ffffffffffff1f00");
    expect(written((out) => outInt(out, -Number.MAX_SAFE_INTEGER))).toBe("03010000000000e0ff");
    expect(() => outInt(new OutBuffer(), 2 ** 53)).toThrow(
      "outInt: 9007199254740992 is not a safe integer; pass a bigint",
    );
    expect(() => outInt(new OutBuffer(), 1.5)).toThrow("not a safe integer");
    expect(() => outInt(new OutBuffer(), INT64_MAX + 1n)).toThrow(
      "outInt: 9223372036854775808 does not fit in 64 signed bits",
    );
    expect(() => outInt(new OutBuffer(), INT64_MIN - 1n)).toThrow("does not fit in 64 signed bits");
  });

  // Shows: a reply over the limit is cut back to its mark and replaced by ERR 2, as the book does.
  test("make the too-big replacement a mark, a size and a truncate", () => {
    const out = new OutBuffer();
    frameReply(out, (o) => outStr(o, "ok"), 16);
    frameReply(out, (o) => outStr(o, "x".repeat(100)), 16);
    const bytes = out.take();
    // The first reply is untouched; the second became ERR 2 "response is too big.".
    expect(bytes.subarray(0, 11).toString("hex")).toBe("07000000" + "02020000006f6b");
    const second = bytes.subarray(11);
    expect(second.readUInt32LE(0)).toBe(second.length - 4);
    expect(decodeReply(second.subarray(4), 64)).toEqual({
      type: "err",
      code: ERR_TOO_BIG,
      message: "response is too big.",
    });
  });
});

describe("decodeValue", () => {
  // Shows: whatever the writers produce, the decoder gives back the same value.
  test("round-trips random values of any nesting", () => {
    fc.assert(
      fc.property(arbitraryValue, (value) => {
        expect(decodeReply(encodeValue(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  // Shows: int64's extremes and values past 2^53 come back exact, as bigints.
  test("decodes int64 exactly", () => {
    for (const n of [INT64_MIN, INT64_MAX, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 0n, -1n]) {
      expect(decodeReply(encodeValue(int(n)))).toEqual(int(n));
    }
  });

  // Shows: NaN, infinities, -0 and subnormals come back exactly.
  test("decodes special doubles exactly", () => {
    const specials = [
      Number.NaN,
      Infinity,
      -Infinity,
      -0,
      0,
      5e-324,
      -5e-324,
      2.225073858507201e-308,
    ];
    for (const x of specials) {
      const back = decodeReply(encodeValue(dbl(x)));
      expect(back.type === "dbl" && Object.is(back.value, x)).toBe(true);
    }
    // A NaN with its sign bit set is marked, so it can be printed as "-nan".
    expect(decodeReply(hex("04 000000000000f8ff"))).toEqual({
      type: "dbl",
      value: Number.NaN,
      negativeNaN: true,
    });
  });

  // Shows: empty strings, empty arrays and arrays of empty arrays are values like any other.
  test("decodes empty strings and empty and nested arrays", () => {
    const value = arr(str(""), arr(), arr(arr(), arr(nil)), { type: "err", code: 0, message: "" });
    expect(decodeReply(encodeValue(value))).toEqual(value);
  });

  // Shows: every proper prefix of a reply is "not yet" (null), never an error.
  test("returns null for every prefix, the value for the whole", () => {
    fc.assert(
      fc.property(arbitraryValue, (value) => {
        const bytes = encodeValue(value);
        for (let n = 0; n < bytes.length; n++) expect(decodeValue(bytes.subarray(0, n))).toBeNull();
        expect(decodeValue(bytes)).toEqual({ value, end: bytes.length });
      }),
      { numRuns: 100 },
    );
  });

  // Shows: decoding starts at any offset and says where the value ended.
  test("decodes from an offset", () => {
    const bytes = Buffer.concat([hex("ffff"), encodeValue(str("abc")), hex("ee")]);
    expect(decodeValue(bytes, 2)).toEqual({ value: str("abc"), end: 10 });
  });
});

describe("a stream of values decodes the same however it arrives", () => {
  // Several replies back to back, decoded one after another as bytes come in.
  const values: Value[] = [
    nil,
    str("hello"),
    int(-1n),
    dbl(1.1),
    { type: "err", code: ERR_UNKNOWN, message: "unknown command." },
    arr(str("n1"), dbl(1.1), arr(), arr(int(INT64_MAX), arr(nil))),
    str(""),
  ];
  const stream = Buffer.concat(values.map(encodeValue));
  /** Appends chunks one by one, decoding every whole value after each, as a client would. */
  function decodeAll(chunks: readonly Uint8Array[]) {
    let pending = Buffer.alloc(0);
    const out: Value[] = [];
    for (const chunk of chunks) {
      pending = Buffer.concat([pending, chunk]);
      for (let next = decodeValue(pending); next !== null; next = decodeValue(pending)) {
        out.push(next.value);
        pending = pending.subarray(next.end);
      }
    }
    return { values: out, leftover: pending.length };
  }

  // Shows: all the bytes at once give every value.
  test("whole", () => {
    expect(decodeAll([stream])).toEqual({ values, leftover: 0 });
  });

  // Shows: one byte at a time gives the very same values.
  test("byte by byte", () => {
    expect(decodeAll(byteByByte(stream))).toEqual({ values, leftover: 0 });
  });

  // Shows: cut anywhere, the same values.
  test("split at random points", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: stream.length }), { maxLength: 15 }), (cuts) => {
        expect(decodeAll(splitAt(stream, cuts))).toEqual({ values, leftover: 0 });
      }),
    );
  });

  // Shows: random values, cut at random points, come out unchanged.
  test("random values, split at random points", () => {
    fc.assert(
      fc.property(
        fc.array(arbitraryValue, { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (vs, cuts) => {
          const bytes = Buffer.concat(vs.map(encodeValue));
          const scaled = cuts.map((c) => c % (bytes.length + 1));
          expect(decodeAll(splitAt(bytes, scaled))).toEqual({ values: vs, leftover: 0 });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("malformed replies", () => {
  // Each: bytes, the limit they are decoded with, the error's kind, offset and message.
  const cases: {
    name: string;
    bytes: Buffer;
    limit?: number;
    kind: string;
    offset: number;
    message: string;
  }[] = [
    {
      name: "an unknown tag",
      bytes: hex("06"),
      kind: "unknown-tag",
      offset: 0,
      message: "unknown tag 6 at byte 0",
    },
    {
      name: "an unknown tag inside an array",
      bytes: hex("05 02000000 00 ff"),
      kind: "unknown-tag",
      offset: 6,
      message: "unknown tag 255 at byte 6",
    },
    {
      name: "a string claiming 4 GiB (refused from its 5 bytes)",
      bytes: hex("02 ffffffff"),
      kind: "too-long",
      offset: 0,
      message:
        "string at byte 0 claims 4294967295 bytes, but the reply has room for 33554427 more bytes",
    },
    {
      name: "an error message claiming more than the limit",
      bytes: hex("01 01000000 00000002"),
      kind: "too-long",
      offset: 0,
      message:
        "error message at byte 0 claims 33554432 bytes, but the reply has room for 33554423 more bytes",
    },
    {
      name: "an array claiming 4 billion values",
      bytes: hex("05 ffffffff 00"),
      kind: "too-long",
      offset: 0,
      message:
        "array at byte 0 claims 4294967295 values, but the reply has room for 33554427 more bytes",
    },
    {
      name: "a string one byte over a small limit",
      bytes: hex("02 0c000000"),
      limit: 16,
      kind: "too-long",
      offset: 0,
      message: "string at byte 0 claims 12 bytes, but the reply has room for 11 more bytes",
    },
    {
      name: "an INT that cannot fit in what the limit leaves",
      bytes: hex("05 02000000 00 03"),
      limit: 12,
      kind: "too-long",
      offset: 6,
      message: "a value at byte 6 needs 9 bytes, but the reply has room for 6 more",
    },
    {
      name: "arrays nested deeper than the limit",
      bytes: Buffer.concat(Array.from({ length: MAX_DEPTH + 1 }, () => hex("05 01000000"))),
      kind: "too-deep",
      offset: 5 * MAX_DEPTH,
      message: `arrays nested more than ${MAX_DEPTH} deep at byte ${5 * MAX_DEPTH}`,
    },
    {
      name: "a million nested arrays (no stack overflow)",
      bytes: Buffer.from("0501000000".repeat(1_000_000), "hex"),
      kind: "too-deep",
      offset: 5 * MAX_DEPTH,
      message: `arrays nested more than ${MAX_DEPTH} deep at byte ${5 * MAX_DEPTH}`,
    },
    {
      name: "a reply cut short",
      bytes: hex("02 05000000 6162"),
      kind: "truncated",
      offset: 7,
      message: "the reply ends after 7 bytes, in the middle of a value",
    },
    {
      name: "an empty payload",
      bytes: Buffer.alloc(0),
      kind: "truncated",
      offset: 0,
      message: "the reply ends after 0 bytes, in the middle of a value",
    },
    {
      name: "bytes left over after the value",
      bytes: hex("00 000000"),
      kind: "trailing",
      offset: 1,
      message: "3 bytes left over after the reply's value, which ended at byte 1",
    },
  ];

  // Shows: each malformed reply is refused with its kind, where, and a clear message.
  test.each(cases)("refuses $name", ({ bytes, limit, kind, offset, message }) => {
    const err = replyError(bytes, limit);
    expect(err).toBeInstanceOf(MalformedReplyError);
    expect(err).toMatchObject({ kind, offset, message });
  });

  // Shows: errors that more bytes cannot fix come from any prefix that shows them, not "wait".
  test("a lying length is refused as soon as its header arrives, whole or byte by byte", () => {
    const bytes = hex("05 01000000 02 ffffffff");
    expect(decodeValue(bytes.subarray(0, 9))).toBeNull();
    expect(() => decodeValue(bytes)).toThrow(MalformedReplyError);
    // Exactly at the limit is fine; a prefix of it is still "not yet".
    const fits = encodeValue(str("x".repeat(11)));
    expect(decodeValue(fits, 0, 16)).toEqual({ value: str("x".repeat(11)), end: 16 });
    expect(decodeValue(fits.subarray(0, 10), 0, 16)).toBeNull();
  });
});

describe("formatValue prints what the book's client prints", () => {
  // Shows: one line per scalar type, in the book's words.
  test("prints each type", () => {
    expect(printed(nil)).toBe("(nil)\n");
    expect(printed({ type: "err", code: ERR_UNKNOWN, message: "unknown command." })).toBe(
      "(err) 1 unknown command.\n",
    );
    expect(printed(str("hello"))).toBe("(str) hello\n");
    expect(printed(str(""))).toBe("(str) \n");
    expect(printed(int(-1n))).toBe("(int) -1\n");
    expect(printed(int(INT64_MIN))).toBe("(int) -9223372036854775808\n");
    expect(printed(int(INT64_MAX))).toBe("(int) 9223372036854775807\n");
    expect(printed(dbl(1.1))).toBe("(dbl) 1.1\n");
    expect(printed(dbl(1e20))).toBe("(dbl) 1e+20\n");
    expect(printed({ type: "dbl", value: Number.NaN, negativeNaN: true })).toBe("(dbl) -nan\n");
    expect(printed(dbl(-Infinity))).toBe("(dbl) -inf\n");
  });

  // Shows: arrays print their count, their values (nested arrays the same way), then the end.
  test("prints arrays, empty and nested", () => {
    expect(printed(arr())).toBe("(arr) len=0\n(arr) end\n");
    expect(printed(arr(str("a"), arr(int(1n), arr()), nil))).toBe(
      [
        "(arr) len=3",
        "(str) a",
        "(arr) len=2",
        "(int) 1",
        "(arr) len=0",
        "(arr) end",
        "(arr) end",
        "(nil)",
        "(arr) end",
        "",
      ].join("\n"),
    );
  });

  // Shows: the outputs in BOOK.md's copy of test_cmds.py, from the replies the server sends.
  test("prints the book's test_cmds.py outputs", () => {
    const pairs = (...ps: [string, number][]) => arr(...ps.flatMap(([n, s]) => [str(n), dbl(s)]));
    const expected: [Value, string][] = [
      [nil, "(nil)"],
      [arr(), "(arr) len=0\n(arr) end"],
      [int(1n), "(int) 1"],
      [int(0n), "(int) 0"],
      [dbl(1.1), "(dbl) 1.1"],
      [
        pairs(["n1", 1.1], ["n2", 2]),
        "(arr) len=4\n(str) n1\n(dbl) 1.1\n(str) n2\n(dbl) 2\n(arr) end",
      ],
      [pairs(["n2", 2]), "(arr) len=2\n(str) n2\n(dbl) 2\n(arr) end"],
    ];
    for (const [value, text] of expected) {
      // Through the wire and back, as the client sees it.
      expect(printed(decodeReply(encodeValue(value)))).toBe(`${text}\n`);
    }
  });

  // Shows: the error code is printed as a signed 32-bit number, as the book's %d does.
  test("prints the error code as a signed int32", () => {
    expect(printed({ type: "err", code: 0xffffffff, message: "x" })).toBe("(err) -1 x\n");
    expect(printed({ type: "err", code: ERR_BAD_TYP, message: "expect zset" })).toBe(
      "(err) 3 expect zset\n",
    );
  });

  // Shows: strings are written as raw bytes, and cut at a zero byte as printf("%.*s") cuts them.
  test("writes raw bytes, up to a zero byte", () => {
    expect(
      formatValue(str("\u00ff\u00c3(")).equals(
        Buffer.concat([Buffer.from("(str) "), hex("ff c3 28 0a")]),
      ),
    ).toBe(true);
    expect(printed(str("a\u0000b"))).toBe("(str) a\n");
    expect(printed({ type: "err", code: 4, message: "bad\u0000tail" })).toBe("(err) 4 bad\n");
  });

  // Shows: a framed reply from the server prints after the frame and value layers, as in the client.
  test("prints a framed INT reply", () => {
    const frame = encodeFrame(encodeValue(int(1n)));
    expect(printed(decodeReply(frame.subarray(4)))).toBe("(int) 1\n");
  });
});
