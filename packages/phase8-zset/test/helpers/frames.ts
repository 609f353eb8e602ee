// A test-only stand-in for the server's read loop: chunks of a byte stream
// go in, the payload of every whole frame comes out, exactly as phase 3's
// handleRead finds them (parseFrame until it needs more bytes).
import { HEADER_SIZE, parseFrame } from "../../src/protocol.ts";

/** The payloads of the whole frames in `chunks`, and how many bytes of an unfinished one were left. */
export function framePayloads(chunks: readonly Uint8Array[]): {
  payloads: Buffer[];
  leftover: number;
} {
  const payloads: Buffer[] = [];
  let pending = Buffer.alloc(0);
  for (const chunk of chunks) {
    pending = Buffer.concat([pending, chunk]);
    let offset = 0;
    for (;;) {
      const payload = parseFrame(pending, offset);
      if (payload === null) break;
      payloads.push(payload);
      offset += HEADER_SIZE + payload.length;
    }
    pending = pending.subarray(offset);
  }
  return { payloads, leftover: pending.length };
}
