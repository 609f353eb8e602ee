// The two wire formats the load generator speaks.
//
//   frame: the course's protocol (phase 2 onwards): a 4-byte little-endian
//          length, then that many payload bytes; the server echoes the payload.
//   resp:  real Redis's protocol, for `--redis`: the request is the command
//          PING <payload> as a RESP array, the reply the payload as a bulk
//          string ("$<len>\r\n<bytes>\r\n"). PING with an argument echoes it,
//          so both formats move the same payload bytes both ways.
//
// Requests are encoded once per connection as a template (see loadgen.ts);
// replies are decoded in place, as views into the receive buffer.

export type CodecName = "frame" | "resp";

/** One decoded reply: its payload is buf[start, end); the next reply begins at `next`. */
export type Decoded =
  | { kind: "payload"; start: number; end: number; next: number }
  | { kind: "error"; message: string; next: number };

export interface Codec {
  readonly name: CodecName;
  /** The request carrying `payload`, and where the payload starts inside it. */
  encodeRequest(payload: Uint8Array): { bytes: Buffer; payloadOffset: number };
  /**
   * Decodes the reply that starts at buf[offset]. Returns null when the
   * buffer does not hold all of it yet (wait for more bytes), and throws
   * ProtocolError for bytes that can never become a valid reply.
   * A reply that announces more than `maxPayload` bytes is rejected from its
   * header, without waiting for (and buffering) the payload.
   */
  decodeReply(buf: Buffer, offset: number, maxPayload: number): Decoded | null;
}

/** The server sent bytes that are not a reply of this protocol. */
export class ProtocolError extends Error {
  override name = "ProtocolError";
}

export const frameCodec: Codec = {
  name: "frame",
  encodeRequest(payload) {
    const bytes = Buffer.allocUnsafe(4 + payload.length);
    bytes.writeUInt32LE(payload.length, 0);
    bytes.set(payload, 4);
    return { bytes, payloadOffset: 4 };
  },
  decodeReply(buf, offset, maxPayload) {
    if (buf.length - offset < 4) return null;
    const length = buf.readUInt32LE(offset);
    if (length > maxPayload) {
      throw new ProtocolError(`reply length ${length} exceeds the ${maxPayload} bytes expected`);
    }
    const end = offset + 4 + length;
    if (end > buf.length) return null;
    return { kind: "payload", start: offset + 4, end, next: end };
  },
};

const CR = 0x0d;
const LF = 0x0a;
/** "$" + up to 10 digits + "\r\n": longer than this and it is not a length line. */
const MAX_LENGTH_LINE = 16;
/** A +simple or -error line longer than this is not something PING answers. */
const MAX_SIMPLE_LINE = 4096;

export const respCodec: Codec = {
  name: "resp",
  encodeRequest(payload) {
    const head = Buffer.from(`*2\r\n$4\r\nPING\r\n$${payload.length}\r\n`, "latin1");
    const bytes = Buffer.allocUnsafe(head.length + payload.length + 2);
    head.copy(bytes, 0);
    bytes.set(payload, head.length);
    bytes[bytes.length - 2] = CR;
    bytes[bytes.length - 1] = LF;
    return { bytes, payloadOffset: head.length };
  },
  decodeReply(buf, offset, maxPayload) {
    if (buf.length - offset < 1) return null;
    const type = buf[offset];
    const limit = type === 0x24 ? MAX_LENGTH_LINE : MAX_SIMPLE_LINE;
    const lineEnd = findCrlf(buf, offset + 1, offset + limit);
    if (lineEnd === -1) {
      if (buf.length - offset >= limit) throw new ProtocolError("reply line has no CRLF");
      return null;
    }
    const afterLine = lineEnd + 2;
    switch (type) {
      case 0x24: {
        // "$": a bulk string, "$<len>\r\n<len bytes>\r\n"; "$-1\r\n" is nil.
        const text = buf.toString("latin1", offset + 1, lineEnd);
        if (!/^(-1|\d+)$/.test(text)) throw new ProtocolError(`bad bulk length "${text}"`);
        const length = Number(text);
        if (length === -1) return { kind: "error", message: "nil reply", next: afterLine };
        if (length > maxPayload) {
          throw new ProtocolError(
            `reply length ${length} exceeds the ${maxPayload} bytes expected`,
          );
        }
        const end = afterLine + length;
        if (end + 2 > buf.length) return null;
        if (buf[end] !== CR || buf[end + 1] !== LF) {
          throw new ProtocolError("bulk string not followed by CRLF");
        }
        return { kind: "payload", start: afterLine, end, next: end + 2 };
      }
      case 0x2b: // "+PONG": what PING without an argument answers
        return { kind: "payload", start: offset + 1, end: lineEnd, next: afterLine };
      case 0x2d: // "-ERR ...": the server refused the command
        return {
          kind: "error",
          message: buf.toString("utf8", offset + 1, lineEnd),
          next: afterLine,
        };
      default:
        throw new ProtocolError(`unexpected reply type byte 0x${(type ?? 0).toString(16)}`);
    }
  },
};

/** Index of the "\r\n" at or after `from` (searching up to `limit`), or -1. */
function findCrlf(buf: Buffer, from: number, limit: number): number {
  const stop = Math.min(buf.length - 1, limit);
  for (let i = from; i < stop; i++) {
    if (buf[i] === CR && buf[i + 1] === LF) return i;
  }
  return -1;
}

export function codecFor(name: CodecName): Codec {
  return name === "frame" ? frameCodec : respCodec;
}

/**
 * A receive buffer for one connection: push() what the socket delivers,
 * next() takes one decoded reply at a time. Consumed bytes are skipped by
 * moving an offset, never by copying the rest of the buffer forward.
 *
 * A pushed chunk may be a view of memory the caller reuses for the next
 * read (the load generator reads every socket into one buffer): before the
 * caller lets go of it, keep() copies the unfinished tail, if any, into
 * memory of its own.
 */
export class ReplyReader {
  #codec: Codec;
  #maxPayload: number;
  #buf: Buffer = Buffer.alloc(0);
  #offset = 0;
  /** #buf is ours (a copy), not a view of the caller's chunk. */
  #owned = true;

  constructor(codec: Codec, maxPayload: number) {
    this.#codec = codec;
    this.#maxPayload = maxPayload;
  }

  /** The buffer the last next() result points into. */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** Bytes received and not yet decoded. */
  get buffered(): number {
    return this.#buf.length - this.#offset;
  }

  push(chunk: Buffer): void {
    if (this.#offset >= this.#buf.length) {
      this.#buf = chunk;
      this.#owned = false;
    } else {
      // A reply split across chunks: join its beginning with the new bytes.
      this.#buf = Buffer.concat([this.#buf.subarray(this.#offset), chunk]);
      this.#owned = true;
    }
    this.#offset = 0;
  }

  /** Copies the undecoded tail out of the last pushed chunk, which the caller may now reuse. */
  keep(): void {
    if (this.#owned) return;
    this.#buf = Buffer.from(this.#buf.subarray(this.#offset));
    this.#offset = 0;
    this.#owned = true;
  }

  /** The next whole reply, or null until more bytes arrive. Throws ProtocolError. */
  next(): Decoded | null {
    const decoded = this.#codec.decodeReply(this.#buf, this.#offset, this.#maxPayload);
    if (decoded) this.#offset = decoded.next;
    return decoded;
  }
}
