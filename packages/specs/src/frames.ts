// Frame helpers for black-box tests: build the bytes of the phase 2 wire
// format by hand (a 4-byte little-endian length, then the payload) and read
// reply frames off a raw client. Written independently of any phase's
// protocol.ts, so a bug there cannot hide itself in the tests.
import type { RawClient } from "@rah/core/testing";

/** A 4-byte little-endian header announcing `length` payload bytes (any 32-bit value). */
export function header(length: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(length, 0);
  return bytes;
}

/** The whole frame for `payload`: header, then payload. */
export function frame(payload: Uint8Array | string): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  return Buffer.concat([header(body.length), body]);
}

/** Several frames back to back, as one buffer: what a single write of a pipeline sends. */
export function frames(payloads: readonly (Uint8Array | string)[]): Buffer {
  return Buffer.concat(payloads.map((p) => frame(p)));
}

/** Reads one reply frame (header, then exactly that many bytes) and returns its payload. */
export async function readFrame(client: RawClient, ms?: number): Promise<Buffer> {
  const head = await client.read(4, ms);
  return client.read(head.readUInt32LE(0), ms);
}

/** Sends one request frame and returns the payload of the reply frame. */
export async function roundTrip(client: RawClient, payload: Uint8Array | string): Promise<Buffer> {
  await client.send(frame(payload));
  return readFrame(client);
}
