// The book's key-value wire format (chapters 7 to 11), as the load
// generator and the key-value floor need it. All integers little-endian.
//
// A request, inside the frame (u32 length, then the payload):
//   | nstr u32 | len1 u32 | str1 | len2 u32 | str2 | ... |
// Replies, inside the frame:
//   status (chapters 7, 8):  | status u32 | data |   0 OK, 1 ERR, 2 NX (not found)
//   typed (chapter 9 on):    one value, a tag byte then its body:
//     0 NIL | 1 ERR code u32, len u32, msg | 2 STR len u32, bytes | 3 INT i64
//     4 DBL f64 | 5 ARR count u32, then that many values

export const STATUS_OK = 0;
export const STATUS_ERR = 1;
export const STATUS_NX = 2;

export const TAG_NIL = 0;
export const TAG_ERR = 1;
export const TAG_STR = 2;
export const TAG_INT = 3;
export const TAG_DBL = 4;
export const TAG_ARR = 5;

/** The book's limits: at most 200,000 strings in a request, 32 MiB in a frame. */
export const MAX_ARGS = 200_000;
export const MAX_MESSAGE = 32 << 20;

/** Bytes a framed request of these strings takes. */
export function requestSize(args: readonly Uint8Array[]): number {
  let size = 4 + 4;
  for (const a of args) size += 4 + a.length;
  return size;
}

/** Writes the framed request at out[at]; returns where it ends. */
export function writeRequest(out: Buffer, at: number, args: readonly Uint8Array[]): number {
  const start = at;
  at += 4;
  out.writeUInt32LE(args.length, at);
  at += 4;
  for (const a of args) {
    out.writeUInt32LE(a.length, at);
    out.set(a, at + 4);
    at += 4 + a.length;
  }
  out.writeUInt32LE(at - start - 4, start);
  return at;
}

/** A framed request of these strings, as a new buffer. */
export function encodeRequest(args: readonly (string | Uint8Array)[]): Buffer {
  const bytes = args.map((a) => (typeof a === "string" ? Buffer.from(a) : a));
  const out = Buffer.alloc(requestSize(bytes));
  writeRequest(out, 0, bytes);
  return out;
}

/** A request the book's server refuses (it closes the connection without a reply). */
export class BadRequest extends Error {
  override name = "BadRequest";
}

/** The strings of a request payload (the frame's header already removed); views, not copies. */
export function parseRequest(payload: Buffer): Buffer[] {
  if (payload.length < 4) throw new BadRequest("no nstr");
  const nstr = payload.readUInt32LE(0);
  if (nstr > MAX_ARGS) throw new BadRequest(`nstr ${nstr} exceeds the ${MAX_ARGS}-argument limit`);
  const args: Buffer[] = [];
  let at = 4;
  for (let i = 0; i < nstr; i++) {
    if (payload.length - at < 4) throw new BadRequest("string length runs past the end");
    const len = payload.readUInt32LE(at);
    if (payload.length - at - 4 < len) throw new BadRequest("string runs past the end");
    args.push(payload.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  if (at !== payload.length)
    throw new BadRequest(`${payload.length - at} bytes after the last string`);
  return args;
}

/** A status reply payload: u32 status, then the data. */
export function statusReply(status: number, data?: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + (data?.length ?? 0));
  out.writeUInt32LE(status, 0);
  if (data) out.set(data, 4);
  return out;
}

/** Typed values, as they appear in a reply payload. */
export const typed = {
  nil: (): Buffer => Buffer.from([TAG_NIL]),
  str(bytes: Uint8Array): Buffer {
    const out = Buffer.alloc(5 + bytes.length);
    out[0] = TAG_STR;
    out.writeUInt32LE(bytes.length, 1);
    out.set(bytes, 5);
    return out;
  },
  int(n: bigint): Buffer {
    const out = Buffer.alloc(9);
    out[0] = TAG_INT;
    out.writeBigInt64LE(n, 1);
    return out;
  },
  dbl(x: number): Buffer {
    const out = Buffer.alloc(9);
    out[0] = TAG_DBL;
    out.writeDoubleLE(x, 1);
    return out;
  },
  err(code: number, message: string): Buffer {
    const text = Buffer.from(message);
    const out = Buffer.alloc(9 + text.length);
    out[0] = TAG_ERR;
    out.writeUInt32LE(code, 1);
    out.writeUInt32LE(text.length, 5);
    out.set(text, 9);
    return out;
  },
  arr(items: readonly Buffer[]): Buffer {
    const head = Buffer.alloc(5);
    head[0] = TAG_ARR;
    head.writeUInt32LE(items.length, 1);
    return Buffer.concat([head, ...items]);
  },
};

/** One typed value at buf[at], described for an error message ("(str) abc", "(int) 1"); null if cut short. */
export function describeTyped(buf: Buffer, at: number, end: number): string | null {
  const tag = buf[at];
  const body = at + 1;
  const left = end - body;
  switch (tag) {
    case TAG_NIL:
      return "(nil)";
    case TAG_ERR: {
      if (left < 8) return null;
      const len = buf.readUInt32LE(body + 4);
      return `(err) ${buf.readUInt32LE(body)} ${buf.toString("utf8", body + 8, Math.min(end, body + 8 + len))}`;
    }
    case TAG_STR: {
      if (left < 4) return null;
      const len = buf.readUInt32LE(body);
      return `(str) ${buf.toString("latin1", body + 4, Math.min(end, body + 4 + Math.min(len, 40)))}`;
    }
    case TAG_INT:
      return left < 8 ? null : `(int) ${buf.readBigInt64LE(body)}`;
    case TAG_DBL:
      return left < 8 ? null : `(dbl) ${buf.readDoubleLE(body)}`;
    case TAG_ARR:
      return left < 4 ? null : `(arr) len=${buf.readUInt32LE(body)}`;
    default:
      return tag === undefined ? null : `unknown tag ${tag}`;
  }
}

/** Writes `n` as `width` decimal digits (zero-padded) at out[at]; returns where it ends. */
export function writeDigits(out: Buffer, at: number, n: number, width: number): number {
  let v = n;
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = 0x30 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + width;
}
