// The response of this chapter: a status code, then the data, inside the
// payload of a frame.
//
//   +------------+----------------------------+
//   | status u32 | data: the rest of payload  |
//   +------------+----------------------------+
//
// The data has no length of its own: the frame's length already says where
// the payload ends, so the data is everything after the status. A `get`
// that finds "20" answers with the frame
//   06 00 00 00 | 00 00 00 00 | 32 30
// (6 payload bytes: status 0 = OK, then the 2 bytes of the value), and a
// `get` that finds nothing with
//   04 00 00 00 | 02 00 00 00
// (status 2 = NX, no data).
//
// This is the simplest reply format that works, and chapter 9 replaces it:
// a status and some bytes cannot say "here is a list" or "here is a
// number", so the client cannot print anything but raw bytes.

/** Status: the command worked; data is its answer (the value, for `get`), maybe empty. */
export const RES_OK = 0;
/** Status: the command failed (an unknown command or a wrong number of arguments). */
export const RES_ERR = 1;
/** Status: the key does not exist ("not exists", the book's name). */
export const RES_NX = 2;

/** Bytes of the status in front of the data. */
const STATUS_SIZE = 4;

/** A decoded response: the status (any u32; the client does not check it) and the data bytes. */
export interface Response {
  status: number;
  data: Buffer;
}

/** A reply payload too short to hold a status: the book's client says "bad response". */
export class BadResponseError extends Error {
  override name = "BadResponseError";
  /** How many payload bytes there were (fewer than 4). */
  readonly size: number;
  constructor(size: number) {
    super(`a response of ${size} bytes has no status (it needs 4 bytes)`);
    this.size = size;
  }
}

/**
 * The payload of a response: the book's make_response() without the frame
 * header (protocol.ts adds that).
 *
 * `data` is a byte string (one char per byte, as parseRequest gives the
 * server its arguments) or bytes. Either is copied once, straight into the
 * payload.
 */
export function encodeResponse(status: number, data: string | Uint8Array = ""): Buffer {
  const payload = Buffer.allocUnsafe(STATUS_SIZE + data.length);
  // Little-endian, as everywhere in the book (it memcpy()s the integer on
  // an x86 machine). writeUInt32LE also refuses a status outside 0..2^32-1.
  payload.writeUInt32LE(status, 0);
  if (typeof data === "string") {
    // "latin1" writes each char as the one byte it stands for. (Node's
    // default, UTF-8, would turn each char from 128 to 255 into two bytes.)
    payload.write(data, STATUS_SIZE, "latin1");
  } else {
    payload.set(data, STATUS_SIZE);
  }
  return payload;
}

/**
 * Splits a response payload into status and data (a view, no copy).
 *
 * Like the book's client, any status value is accepted: the client prints
 * the number it got and leaves its meaning to the reader. Throws
 * BadResponseError for a payload under 4 bytes.
 */
export function decodeResponse(payload: Buffer): Response {
  if (payload.length < STATUS_SIZE) throw new BadResponseError(payload.length);
  return { status: payload.readUInt32LE(0), data: payload.subarray(STATUS_SIZE) };
}

/**
 * The line the book's client prints for a response:
 * `server says: [<status>] <data>` and a newline. The space after `]` is
 * there even when there is no data. The data is written as the raw bytes
 * it is, never decoded as text, hence a Buffer and not a string.
 *
 * One C detail is kept on purpose: the book prints the data with
 * printf("%.*s"), which stops at the first zero byte, so a value holding a
 * 0x00 byte is shown only up to it. Our client prints what the book's
 * prints; the value itself is stored and returned whole.
 */
export function formatResponse(response: Response): Buffer {
  const shown = printfBytes(response.data);
  return Buffer.concat([
    Buffer.from(`server says: [${response.status}] `, "latin1"),
    shown,
    Buffer.from("\n", "latin1"),
  ]);
}

/** What printf("%.*s", n, bytes) writes: the bytes up to the first 0x00, if any. */
function printfBytes(bytes: Buffer): Buffer {
  const nul = bytes.indexOf(0);
  return nul === -1 ? bytes : bytes.subarray(0, nul);
}
