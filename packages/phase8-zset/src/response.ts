// Typed replies (the book's chapter 9): a reply is one value, and a value
// says what type it is.
//
// Chapter 7's reply was a status and some bytes, which cannot say "a list
// of keys" or "the number 3" or "nothing here": the client could only print
// bytes. Now every value starts with a one-byte tag naming its type, then a
// body whose shape the tag decides (tag-length-value, "TLV"):
//
//   tag 0 NIL  (nothing)
//   tag 1 ERR  | code u32 | length u32 | message bytes |
//   tag 2 STR  | length u32 | bytes |
//   tag 3 INT  | i64 |                 signed, 8 bytes
//   tag 4 DBL  | f64 |                 IEEE-754 double, 8 bytes
//   tag 5 ARR  | count u32 | value | value | ... |   count values, any type
//
// All little-endian. The reply to `del k` when k existed is INT 1:
//   03 | 01 00 00 00 00 00 00 00
// and inside its frame: 09 00 00 00 | 03 | 01 00 00 00 00 00 00 00.
//
// An array holds values, which may be arrays: the format is recursive, so
// one reply can carry a whole list of (name, score) pairs. A reader needs
// nothing but the tag to know how many bytes follow, so it can skip a value
// it does not understand... as long as it trusts the lengths, which a
// reader of network bytes must never do without checking (see decodeValue).
//
// This file has the server's half (the writers, appending to an OutBuffer)
// and the client's half (decodeValue, and formatValue, which prints a value
// the way the book's client does).
import { formatG } from "./format-g.ts";
import type { OutBuffer } from "./out-buffer.ts";
import { MAX_MESSAGE } from "./protocol.ts";

// The tags: the first byte of every value.
/** Nothing: a `get` of a missing key. */
export const TAG_NIL = 0;
/** An error: code, then a message. */
export const TAG_ERR = 1;
/** A byte string. */
export const TAG_STR = 2;
/** A signed 64-bit integer. */
export const TAG_INT = 3;
/** A double. */
export const TAG_DBL = 4;
/** An array of values. */
export const TAG_ARR = 5;

// The error codes an ERR value carries.
/** An unknown command, or a known one with the wrong number of arguments. */
export const ERR_UNKNOWN = 1;
/** The reply would be over the message limit; it is replaced by this error. */
export const ERR_TOO_BIG = 2;
/** The key holds a value of another type (a zset where a string was expected...). */
export const ERR_BAD_TYP = 3;
/** An argument is not what the command needs (a score that is not a number...). */
export const ERR_BAD_ARG = 4;

// ---------------------------------------------------------------------------
// The server's half: append values to an OutBuffer (the book's out_* calls).

/** NIL: the tag alone. */
export function outNil(out: OutBuffer): void {
  out.u8(TAG_NIL);
}

/** STR: the tag, the length, the bytes (a byte string or a Uint8Array, copied once). */
export function outStr(out: OutBuffer, value: string | Uint8Array): void {
  out.u8(TAG_STR);
  out.u32(value.length);
  out.append(value);
}

/**
 * INT: the tag and a signed 64-bit integer.
 *
 * A JavaScript number holds integers exactly only up to 2^53, so an int64
 * is a bigint here, and a number is accepted only when it is a safe integer
 * (a count, a 0 or 1): anything else would already have lost digits. In C
 * an int64_t is just a machine word; JavaScript needs the distinction.
 */
export function outInt(out: OutBuffer, value: bigint | number): void {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`outInt: ${value} is not a safe integer; pass a bigint`);
    }
    out.u8(TAG_INT);
    out.i64FromNumber(value);
    return;
  }
  if (value < INT64_MIN || value > INT64_MAX) {
    throw new RangeError(`outInt: ${value} does not fit in 64 signed bits`);
  }
  out.u8(TAG_INT);
  out.i64(value);
}

/** The smallest and largest int64: -2^63 and 2^63 - 1. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/** DBL: the tag and the 8 bytes of the double (NaN, infinities and -0 included). */
export function outDbl(out: OutBuffer, value: number): void {
  out.u8(TAG_DBL);
  out.f64(value);
}

/** ERR: the tag, the code, the message's length, the message (a byte string). */
export function outErr(out: OutBuffer, code: number, message: string): void {
  out.u8(TAG_ERR);
  out.u32(code);
  out.u32(message.length);
  out.append(message);
}

/** ARR with a count known up front (`keys`: the table knows its size). Values follow. */
export function outArr(out: OutBuffer, count: number): void {
  out.u8(TAG_ARR);
  out.u32(count);
}

/**
 * ARR whose count is not known yet (`zquery` stops when it runs out of
 * pairs): writes the tag and a placeholder count of 0, and returns where
 * the count is. Write the values, then call outEndArr with their number.
 *
 * The cost: the count must be a fixed-size field, so a small array still
 * spends 4 bytes on it (a variable-length count could not be patched in
 * place); and the reply cannot be sent until the array is finished, since
 * its first bytes change at the end. Formats that stream (RESP3's
 * streamed aggregates) mark the end with a terminator instead.
 */
export function outBeginArr(out: OutBuffer): number {
  out.u8(TAG_ARR);
  out.u32(0); // patched by outEndArr
  return out.length - 4;
}

/** Writes the real count of an array started with outBeginArr at `at`. */
export function outEndArr(out: OutBuffer, at: number, count: number): void {
  // The book asserts the byte before is an ARR tag: a wrong position here
  // is a bug in the server, and would corrupt the reply silently.
  if (out.byteAt(at - 1) !== TAG_ARR) {
    throw new RangeError(`outEndArr: no array was begun at byte ${at}`);
  }
  out.patchU32(at, count);
}

// ---------------------------------------------------------------------------
// The client's half: decode a reply's bytes into a value, and print it.

/** A decoded value. Byte strings (one char per byte) for STR and ERR, a bigint for INT. */
export type Value =
  | { type: "nil" }
  | { type: "err"; code: number; message: string }
  | { type: "str"; value: string }
  | { type: "int"; value: bigint }
  /** `negativeNaN` is there only for a NaN whose sign bit is set (see formatG). */
  | { type: "dbl"; value: number; negativeNaN?: true }
  | { type: "arr"; values: Value[] };

/**
 * How deep arrays may nest in a reply. The book's replies nest one level;
 * a limit keeps a hostile reply of a million nested arrays from
 * overflowing the decoder's stack.
 */
export const MAX_DEPTH = 64;

/** What is wrong with bytes that can never become a valid reply. */
export type MalformedKind = "unknown-tag" | "too-long" | "too-deep" | "truncated" | "trailing";

/** Bytes that can never be a valid reply, however many more arrive. */
export class MalformedReplyError extends Error {
  override name = "MalformedReplyError";
  readonly kind: MalformedKind;
  /** Where in the bytes the problem is. */
  readonly offset: number;
  constructor(kind: MalformedKind, offset: number, message: string) {
    super(message);
    this.kind = kind;
    this.offset = offset;
  }
}

/** A decoded value and the offset just past its last byte. */
export interface Decoded {
  value: Value;
  end: number;
}

/**
 * Decodes the value that starts at `offset` in `bytes`.
 *
 * Returns the value and where it ended, or null when the bytes stop before
 * the value does: "not all here yet" is a normal answer, and the same call
 * with more bytes finishes the job. So it works on any prefix of a reply.
 *
 * Throws MalformedReplyError for bytes that can never be a valid reply:
 * an unknown tag; a length or count that could not fit in a reply of
 * `limit` bytes starting at `offset` (checked before any memory is set
 * aside for it, so four 0xFF bytes cannot ask for 4 GiB); arrays nested
 * deeper than MAX_DEPTH. Without the limit check, such a reply would make
 * a reader wait forever for bytes that never come.
 */
export function decodeValue(bytes: Buffer, offset = 0, limit = MAX_MESSAGE): Decoded | null {
  return decodeAt(bytes, offset, offset + limit, 0);
}

/**
 * Decodes a whole reply payload: exactly one value and nothing after it.
 * Throws MalformedReplyError if the payload ends inside the value, or has
 * bytes left over after it.
 */
export function decodeReply(payload: Buffer, limit = MAX_MESSAGE): Value {
  const decoded = decodeValue(payload, 0, limit);
  if (decoded === null) {
    throw new MalformedReplyError(
      "truncated",
      payload.length,
      `the reply ends after ${payload.length} bytes, in the middle of a value`,
    );
  }
  if (decoded.end !== payload.length) {
    const extra = payload.length - decoded.end;
    throw new MalformedReplyError(
      "trailing",
      decoded.end,
      `${extra === 1 ? "1 byte" : `${extra} bytes`} left over after the reply's value, which ended at byte ${decoded.end}`,
    );
  }
  return decoded.value;
}

/** Bytes of a tag, of a u32, of an i64 or f64. */
const TAG = 1;
const U32 = 4;
const WORD = 8;

/**
 * The value at `at`, which must end by `stop` (the end of the largest reply
 * that could hold it). `depth` is the number of arrays around it.
 */
function decodeAt(bytes: Buffer, at: number, stop: number, depth: number): Decoded | null {
  if (!arrived(bytes, at, TAG, stop)) return null;
  const tag = bytes[at];
  switch (tag) {
    case TAG_NIL:
      return { value: { type: "nil" }, end: at + TAG };
    case TAG_INT: {
      if (!arrived(bytes, at, TAG + WORD, stop)) return null;
      // readBigInt64LE: all 64 bits, exactly. A number would round
      // anything past 2^53 (9007199254740993 would read as ...992).
      const value = bytes.readBigInt64LE(at + TAG);
      return { value: { type: "int", value }, end: at + TAG + WORD };
    }
    case TAG_DBL: {
      if (!arrived(bytes, at, TAG + WORD, stop)) return null;
      const value = bytes.readDoubleLE(at + TAG);
      const end = at + TAG + WORD;
      // JavaScript has one NaN; the sign bit of the one on the wire (the
      // top bit of the last byte) is kept aside, to print "-nan" as the
      // book's client would.
      if (Number.isNaN(value) && (bytes[end - 1] ?? 0) >= 0x80) {
        return { value: { type: "dbl", value, negativeNaN: true }, end };
      }
      return { value: { type: "dbl", value }, end };
    }
    case TAG_STR: {
      if (!arrived(bytes, at, TAG + U32, stop)) return null;
      const length = bytes.readUInt32LE(at + TAG);
      const start = at + TAG + U32;
      // The length is checked against the limit before it is used.
      if (length > stop - start) throw tooLong("string", at, length, "bytes", stop - start);
      if (bytes.length < start + length) return null;
      const value = bytes.toString("latin1", start, start + length);
      return { value: { type: "str", value }, end: start + length };
    }
    case TAG_ERR: {
      if (!arrived(bytes, at, TAG + 2 * U32, stop)) return null;
      const code = bytes.readUInt32LE(at + TAG);
      const length = bytes.readUInt32LE(at + TAG + U32);
      const start = at + TAG + 2 * U32;
      if (length > stop - start) throw tooLong("error message", at, length, "bytes", stop - start);
      if (bytes.length < start + length) return null;
      const message = bytes.toString("latin1", start, start + length);
      return { value: { type: "err", code, message }, end: start + length };
    }
    case TAG_ARR: {
      if (!arrived(bytes, at, TAG + U32, stop)) return null;
      if (depth >= MAX_DEPTH) {
        throw new MalformedReplyError(
          "too-deep",
          at,
          `arrays nested more than ${MAX_DEPTH} deep at byte ${at}`,
        );
      }
      const count = bytes.readUInt32LE(at + TAG);
      let next = at + TAG + U32;
      // Every value takes at least one byte (its tag), so a count larger
      // than the bytes the reply could still hold is a lie: refuse it
      // before making room for, or waiting for, that many values.
      if (count > stop - next) throw tooLong("array", at, count, "values", stop - next);
      // The array grows as values are decoded, never sized from `count`.
      const values: Value[] = [];
      for (let i = 0; i < count; i++) {
        const item = decodeAt(bytes, next, stop, depth + 1);
        if (item === null) return null;
        values.push(item.value);
        next = item.end;
      }
      return { value: { type: "arr", values }, end: next };
    }
    default:
      throw new MalformedReplyError("unknown-tag", at, `unknown tag ${tag} at byte ${at}`);
  }
}

/**
 * Whether the `n` bytes at `at` (a tag, or a tag and its fixed-size
 * fields) have arrived. Throws if they could not fit before `stop` at all:
 * then no number of further bytes would help.
 */
function arrived(bytes: Buffer, at: number, n: number, stop: number): boolean {
  if (at + n > stop) {
    const room = Math.max(0, stop - at);
    throw new MalformedReplyError(
      "too-long",
      at,
      `a value at byte ${at} needs ${n} bytes, but the reply has room for ${room} more`,
    );
  }
  return bytes.length >= at + n;
}

/** The error for a length or count that cannot fit in what is left of the reply. */
function tooLong(what: string, at: number, claimed: number, unit: string, room: number) {
  return new MalformedReplyError(
    "too-long",
    at,
    `${what} at byte ${at} claims ${claimed} ${unit}, but the reply has room for ${room} more bytes`,
  );
}

/**
 * The lines the book's client prints for a value, as bytes:
 *   (nil)   (err) <code> <message>   (str) <bytes>   (int) <n>   (dbl) <%g>
 * and for an array `(arr) len=<count>`, a line per value (arrays inside
 * printed the same way, no indentation), then `(arr) end`.
 *
 * Strings and error messages are written as raw bytes, never decoded, so
 * the result is a Buffer. Two C details are kept to print exactly what the
 * book prints: the error code is printed as a signed 32-bit number (%d),
 * and a string is printed up to its first zero byte (printf's %.*s stops
 * there); the value itself keeps every byte.
 */
export function formatValue(value: Value): Buffer {
  const lines: string[] = [];
  addLines(value, lines);
  // Every piece is a byte string (ASCII labels, latin1 values), so one
  // latin1 conversion turns the whole text into the right bytes.
  return Buffer.from(lines.join(""), "latin1");
}

/** Appends the lines for `value` (and what it holds) to `lines`. */
function addLines(value: Value, lines: string[]): void {
  switch (value.type) {
    case "nil":
      lines.push("(nil)\n");
      return;
    case "err":
      // `| 0` reads the u32 as the int32 the book's client prints with %d.
      lines.push(`(err) ${value.code | 0} ${upToNul(value.message)}\n`);
      return;
    case "str":
      lines.push(`(str) ${upToNul(value.value)}\n`);
      return;
    case "int":
      lines.push(`(int) ${value.value}\n`);
      return;
    case "dbl":
      lines.push(`(dbl) ${formatG(value.value, value.negativeNaN === true)}\n`);
      return;
    case "arr":
      lines.push(`(arr) len=${value.values.length}\n`);
      for (const item of value.values) addLines(item, lines);
      lines.push("(arr) end\n");
      return;
  }
}

/** What printf("%.*s") shows of a byte string: everything before the first zero byte. */
function upToNul(s: string): string {
  const nul = s.indexOf("\0");
  return nul === -1 ? s : s.slice(0, nul);
}
