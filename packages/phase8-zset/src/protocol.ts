// The wire format from phase 2 on: every message is a frame.
//
//   +---------------------+---------------------------+
//   | length: 4 bytes     | payload: `length` bytes   |
//   | unsigned, little-   | anything at all, binary   |
//   | endian              | included                  |
//   +---------------------+---------------------------+
//
// TCP delivers a stream of bytes with no boundaries in it: two writes by the
// sender may arrive as one read, and one write may arrive as many. The length
// in front of each message is what lets the reader find where one message
// ends and the next begins. "hi" travels as 02 00 00 00 68 69.
//
// This file turns lengths into bytes and back, and finds whole frames in
// bytes that have arrived (parseFrame, for the event loop, which cannot
// wait for the rest of a frame). Reading frames off a connection is in
// server.ts (handleRead) and client.ts (query).
import { UserError } from "@rah/core";

/** Bytes in a frame header: one unsigned 32-bit length. */
export const HEADER_SIZE = 4;

/**
 * The largest payload a frame may carry by default: the book's `k_max_msg`,
 * 32 MiB since its chapter 6 (second edition); `--max-message` changes it,
 * so every function here takes the limit as a parameter. A reader checks
 * the length against it *before* reading the payload, so a client cannot
 * make the server allocate 4 GiB by sending four 0xFF bytes.
 */
export const MAX_MESSAGE = 32 * 1024 * 1024;

/** A frame whose length is over the limit: the reader refuses it from the header alone. */
export class FrameTooLargeError extends UserError {
  override name = "FrameTooLargeError";
  readonly length: number;
  readonly limit: number;
  /** `advice`, when given, is added after the numbers: what the user can do about it. */
  constructor(length: number, limit: number, advice?: string) {
    super(`length ${length} exceeds the ${limit}-byte limit${advice ? `: ${advice}` : ""}`);
    this.length = length;
    this.limit = limit;
  }
}

/** The connection ended in the middle of a frame: the peer promised more bytes than it sent. */
export class UnexpectedEofError extends Error {
  override name = "UnexpectedEofError";
  /** Which part of the frame was cut short. */
  readonly part: "header" | "payload";
  /** Bytes of that part that did arrive. */
  readonly received: number;
  /** Bytes the frame said were coming. */
  readonly expected: number;
  constructor(part: "header" | "payload", received: number, expected: number) {
    super(`unexpected EOF after ${received} of ${expected} ${part} bytes`);
    this.part = part;
    this.received = received;
    this.expected = expected;
  }
}

/** The frame for `payload`: its length as 4 little-endian bytes, then the payload. */
export function encodeFrame(payload: Uint8Array, limit = MAX_MESSAGE): Buffer {
  if (payload.length > limit) throw new FrameTooLargeError(payload.length, limit);
  const frame = Buffer.alloc(HEADER_SIZE + payload.length);
  // In C: memcpy(wbuf, &len, 4), which writes the CPU's byte order and so
  // works only on little-endian machines (x86, ARM as usually run). Naming
  // the byte order makes the format the same on every machine.
  frame.writeUInt32LE(payload.length, 0);
  frame.set(payload, HEADER_SIZE);
  return frame;
}

/**
 * The payload length in a 4-byte header, checked against `limit`.
 * Throws FrameTooLargeError when it is over: the caller must then not read
 * (or allocate room for) the payload at all.
 */
export function decodeHeader(header: Uint8Array, limit = MAX_MESSAGE): number {
  if (header.length !== HEADER_SIZE) {
    throw new RangeError(`a frame header is ${HEADER_SIZE} bytes, got ${header.length}`);
  }
  // Unsigned: the largest length is 0xFFFFFFFF (4 GiB - 1), never negative.
  // (`true` asks DataView for little-endian.)
  const length = new DataView(header.buffer, header.byteOffset, HEADER_SIZE).getUint32(0, true);
  if (length > limit) throw new FrameTooLargeError(length, limit);
  return length;
}

/**
 * Payloads at least this big are sent as they are, next to their header,
 * instead of being copied into one buffer with their neighbours: copying
 * 64 KiB costs more than handing the kernel one more piece to send.
 */
const COPY_LIMIT = 16 * 1024;

/**
 * The frames for several payloads (the replies to a pipeline of requests),
 * as few pieces as possible, for one write. Small frames are copied
 * together into one buffer (every byte of it is written here, so it need
 * not be zeroed first: allocUnsafe); big payloads go out as they are.
 */
export function encodeFrames(payloads: readonly Uint8Array[], limit = MAX_MESSAGE): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let next = 0;
  while (next < payloads.length) {
    // A run of small payloads, and the header of the big one after it.
    let size = 0;
    let end = next;
    let big: Uint8Array | undefined;
    for (; end < payloads.length; end++) {
      const payload = payloads[end] ?? new Uint8Array();
      if (payload.length > limit) throw new FrameTooLargeError(payload.length, limit);
      size += HEADER_SIZE;
      if (payload.length >= COPY_LIMIT) {
        big = payload;
        break;
      }
      size += payload.length;
    }
    const frames = Buffer.allocUnsafe(size);
    let at = 0;
    for (; next < end; next++) {
      const payload = payloads[next] ?? new Uint8Array();
      frames.writeUInt32LE(payload.length, at);
      frames.set(payload, at + HEADER_SIZE);
      at += HEADER_SIZE + payload.length;
    }
    pieces.push(frames);
    if (big) {
      frames.writeUInt32LE(big.length, at);
      pieces.push(big);
      next++;
    }
  }
  return pieces;
}

/**
 * The next whole frame in `bytes`, starting at `offset`, without waiting for
 * anything: the parsing half of the book's try_one_request().
 *
 * Returns the frame's payload, a view into `bytes` (no copy), or null when
 * the frame has not fully arrived yet. null is a normal answer, not an
 * error: TCP may cut a frame anywhere, and the rest comes in a later read.
 * Throws FrameTooLargeError as soon as the 4 header bytes are there, if
 * the length is over `limit`: no payload byte is waited for or stored.
 */
export function parseFrame(bytes: Buffer, offset: number, limit = MAX_MESSAGE): Buffer | null {
  // Not even a whole header yet: wait for more bytes.
  if (bytes.length - offset < HEADER_SIZE) return null;
  const length = bytes.readUInt32LE(offset);
  if (length > limit) throw new FrameTooLargeError(length, limit);
  // The header is there, the payload not all of it: wait for more bytes.
  const end = offset + HEADER_SIZE + length;
  if (bytes.length < end) return null;
  return bytes.subarray(offset + HEADER_SIZE, end);
}
