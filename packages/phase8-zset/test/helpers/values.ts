// Test helpers for typed replies: write any Value with the server's
// writers, random Values of any nesting for fast-check, and the server's
// way of framing one reply (the book's response_begin / response_end).
import fc from "fast-check";
import { OutBuffer } from "../../src/out-buffer.ts";
import {
  ERR_TOO_BIG,
  INT64_MAX,
  INT64_MIN,
  outArr,
  outBeginArr,
  outDbl,
  outEndArr,
  outErr,
  outInt,
  outNil,
  outStr,
  TAG_DBL,
  type Value,
} from "../../src/response.ts";

/**
 * Appends `value` with the out* writers. Arrays alternate between a count
 * known up front (outArr) and a patched one (outBeginArr/outEndArr), so
 * both paths are exercised by every round trip.
 */
export function writeValue(out: OutBuffer, value: Value, patched = false): void {
  switch (value.type) {
    case "nil":
      outNil(out);
      break;
    case "err":
      outErr(out, value.code, value.message);
      break;
    case "str":
      outStr(out, value.value);
      break;
    case "int":
      outInt(out, value.value);
      break;
    case "dbl":
      if (value.negativeNaN) {
        // A NaN with its sign bit set: written byte by byte, as JavaScript
        // cannot be relied on to keep a NaN's sign.
        out.u8(TAG_DBL);
        out.append(Buffer.from("000000000000f8ff", "hex"));
      } else {
        outDbl(out, value.value);
      }
      break;
    case "arr":
      if (patched) {
        const at = outBeginArr(out);
        for (const item of value.values) writeValue(out, item, !patched);
        outEndArr(out, at, value.values.length);
      } else {
        outArr(out, value.values.length);
        for (const item of value.values) writeValue(out, item, !patched);
      }
      break;
  }
}

/** The bytes of one value. */
export function encodeValue(value: Value): Buffer {
  const out = new OutBuffer();
  writeValue(out, value);
  return out.take();
}

/** Any byte string (chars 0..255), short. */
const byteString = fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString("latin1"));

/** Random values of any type, arrays nested up to a few levels, empty ones included. */
export const arbitraryValue: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Value>({ type: "nil" }),
    fc
      .record({ code: fc.nat({ max: 0xffffffff }), message: byteString })
      .map(({ code, message }): Value => ({ type: "err", code, message })),
    byteString.map((value): Value => ({ type: "str", value })),
    fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((value): Value => ({ type: "int", value })),
    fc.double().map((value): Value => ({ type: "dbl", value })),
    fc.constant<Value>({ type: "dbl", value: Number.NaN, negativeNaN: true }),
    fc.array(tie("value"), { maxLength: 5 }).map((values): Value => ({ type: "arr", values })),
  ),
})).value;

/**
 * One framed reply, written the way the book's server does it: reserve the
 * frame's length, write the value, and if the payload came out over `limit`
 * bytes, cut it back and write ERR_TOO_BIG instead; then patch the length.
 */
export function frameReply(out: OutBuffer, write: (out: OutBuffer) => void, limit: number): void {
  const header = out.length;
  out.u32(0); // the frame's length, patched below
  write(out);
  if (out.length - header - 4 > limit) {
    out.truncate(header + 4);
    outErr(out, ERR_TOO_BIG, "response is too big.");
  }
  out.patchU32(header, out.length - header - 4);
}
