// The request: what a client asks for, inside the payload of a frame.
//
// Phases 2 and 3 echoed a frame's payload; from this phase on the payload
// means something. It is a command: a list of strings, like the words a
// user types ("set", "k", "v"), each one prefixed by its length:
//
//   +------+------+--------+------+--------+-----+------+--------+
//   | nstr | len1 | str1   | len2 | str2   | ... | lenN | strN   |
//   | u32  | u32  | len1 B | u32  | len2 B |     | u32  | lenN B |
//   +------+------+--------+------+--------+-----+------+--------+
//
// Every number is an unsigned 32-bit little-endian integer, like the frame
// header. `set k v` is the payload
//   03 00 00 00 | 03 00 00 00 73 65 74 | 01 00 00 00 6b | 01 00 00 00 76
// and its frame puts 15 00 00 00 (21 bytes) in front of it.
//
// Two layers, each with its own job: the frame (protocol.ts) says where one
// message ends and the next begins in the TCP byte stream; the request says
// what the message means. The frame layer never looks inside a payload, so
// this file never sees a half-arrived request: it is handed whole payloads.
//
// The strings are bytes, not text: a value may be an image or a number in
// binary. See "byte strings" below for how they live in JavaScript.

import { count } from "@rah/core";

/**
 * The most strings one request may hold: the book's `k_max_args`. A request
 * saying it has more is refused before anything is read, so a client cannot
 * make the server build a list of four billion entries.
 */
export const MAX_ARGS = 200_000;

/** Bytes in each number of a request: nstr and every length are u32. */
const U32 = 4;

/** What exactly is wrong with a bad request, with the numbers that show it. */
export type RequestProblem =
  /** Fewer than 4 bytes: not even the string count (an empty payload included). */
  | { kind: "no-count"; size: number }
  /** The count is over MAX_ARGS. */
  | { kind: "too-many"; nstr: number; limit: number }
  /** String `index` (1-based) has no room for its 4-byte length. */
  | { kind: "no-length"; index: number; nstr: number; remaining: number }
  /** String `index` says it is `length` bytes long, but fewer remain. */
  | { kind: "overrun"; index: number; nstr: number; length: number; remaining: number }
  /** Every string was read and `extra` bytes are still there. */
  | { kind: "trailing"; extra: number; nstr: number };

/**
 * A payload that is not a valid request. The book logs "bad request" and
 * closes the connection without a reply: once a client has sent bytes that
 * make no sense, nothing after them can be trusted to start a new request.
 */
export class BadRequestError extends Error {
  override name = "BadRequestError";
  /** The problem, with its numbers, for logs and tests. */
  readonly problem: RequestProblem;
  constructor(problem: RequestProblem) {
    super(describeProblem(problem));
    this.problem = problem;
  }
}

/** One sentence saying what is wrong, with the numbers. */
function describeProblem(p: RequestProblem): string {
  switch (p.kind) {
    case "no-count":
      return p.size === 0
        ? "an empty request has no string count (nstr needs 4 bytes)"
        : `a request of ${count(p.size, "byte")} has no string count (nstr needs 4 bytes)`;
    case "too-many":
      return `nstr ${p.nstr} exceeds the ${p.limit}-argument limit`;
    case "no-length":
      return `string ${p.index} of ${p.nstr} has no length: only ${count(p.remaining, "byte")} remain`;
    case "overrun":
      return `string ${p.index} of ${p.nstr} claims ${count(p.length, "byte")} but only ${p.remaining} remain`;
    case "trailing":
      return p.nstr === 0
        ? `${count(p.extra, "byte")} left over after an empty list (nstr 0)`
        : `${count(p.extra, "byte")} left over after the last of ${count(p.nstr, "string")}`;
  }
}

/**
 * Reads the list of strings in a request payload: the book's parse_req().
 *
 * Each string comes back as a *byte string*: a JavaScript string with one
 * char per byte, char code = byte value (0..255), made by decoding the
 * bytes as "latin1". That is lossless for any bytes (UTF-8 decoding is not:
 * it turns invalid sequences into U+FFFD), costs one byte per char in V8,
 * and `===` compares two of them byte for byte, so they work as Map keys.
 * Turn one back into the same bytes with `Buffer.from(s, "latin1")`.
 *
 * Throws BadRequestError for anything that is not exactly one valid list.
 * An empty list (nstr 0) is valid: the command table answers it.
 */
export function parseRequest(payload: Buffer): string[] {
  const end = payload.length;
  // The count first. A payload too short to hold it is bad, an empty
  // payload included (the frame layer allows empty frames; we do not).
  if (end < U32) throw new BadRequestError({ kind: "no-count", size: end });
  const nstr = payload.readUInt32LE(0);
  // Check the count against the limit before reading anything else. In C
  // the book reads into a std::vector that grows as strings are pushed; we
  // do the same: the array grows only as strings are actually read, so its
  // size is bounded by the bytes that arrived, not by what nstr claims.
  if (nstr > MAX_ARGS) throw new BadRequestError({ kind: "too-many", nstr, limit: MAX_ARGS });

  const args: string[] = [];
  let at = U32;
  for (let index = 1; index <= nstr; index++) {
    // Each string's length must fit in what is left before it is read...
    if (end - at < U32) {
      throw new BadRequestError({ kind: "no-length", index, nstr, remaining: end - at });
    }
    const length = payload.readUInt32LE(at);
    at += U32;
    // ...and the length must fit too, before a single byte of the string
    // is touched. A length is a claim made by the network: it is checked,
    // never trusted. (In C, `cur + n > end` can even wrap around for a huge
    // n on a 32-bit machine; subtracting first, as here, cannot.)
    if (length > end - at) {
      throw new BadRequestError({ kind: "overrun", index, nstr, length, remaining: end - at });
    }
    // One copy, from the payload into a new string; no per-byte loop in
    // JavaScript (Node decodes latin1 in C++). The payload itself may be
    // reused for the next read once we return: the strings do not point
    // into it.
    args.push(payload.toString("latin1", at, at + length));
    at += length;
  }
  // Bytes after the last string: the client and we disagree about the
  // format. The book calls it "trailing garbage" and refuses the request.
  if (at !== end) throw new BadRequestError({ kind: "trailing", extra: end - at, nstr });
  return args;
}

/**
 * The payload of a request for `args`: the client's half, the book's
 * send_req() without the frame header (protocol.ts adds that).
 *
 * The client takes arguments as bytes (what the user typed, as UTF-8), so
 * any bytes can be sent. Throws BadRequestError for more than MAX_ARGS
 * strings: the server would only hang up on such a request.
 */
export function encodeRequest(args: readonly Uint8Array[]): Buffer {
  if (args.length > MAX_ARGS) {
    throw new BadRequestError({ kind: "too-many", nstr: args.length, limit: MAX_ARGS });
  }
  // Measure first, then allocate once and fill: no growing, no concat.
  let size = U32;
  for (const arg of args) size += U32 + arg.length;
  // allocUnsafe skips zeroing: every byte is written below.
  const payload = Buffer.allocUnsafe(size);
  payload.writeUInt32LE(args.length, 0);
  let at = U32;
  for (const arg of args) {
    payload.writeUInt32LE(arg.length, at);
    payload.set(arg, at + U32);
    at += U32 + arg.length;
  }
  return payload;
}
