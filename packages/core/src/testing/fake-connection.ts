// A Connection (core's blocking stand-in) that needs no socket: read() hands
// out prepared chunks, write() records. For unit tests of readFull, decoders
// and clients.
import type { Connection } from "../blocking.ts";

export interface FakeConnection extends Connection {
  /** Bytes handed out by read() so far. */
  consumed(): number;
  /** The `max` of every read() call, in order. */
  readonly asked: number[];
  /** Everything passed to write(), in order. */
  readonly written: Buffer[];
}

/**
 * A Connection whose read() hands out `chunks` one after another, like the
 * kernel handing over whatever has arrived: at most `max` bytes per call,
 * never crossing into the next chunk, and EOF (an empty buffer) at the end.
 */
export function fakeConnection(chunks: readonly Uint8Array[]): FakeConnection {
  const queue = chunks.map((c) => Buffer.from(c)).filter((c) => c.length > 0);
  let consumed = 0;
  const asked: number[] = [];
  const written: Buffer[] = [];
  return {
    peer: "fake:1",
    asked,
    written,
    consumed: () => consumed,
    async read(max) {
      asked.push(max);
      const head = queue[0];
      if (head === undefined) return Buffer.alloc(0);
      const bytes = head.subarray(0, max);
      if (bytes.length === head.length) queue.shift();
      else queue[0] = head.subarray(bytes.length);
      consumed += bytes.length;
      return bytes;
    },
    async write(bytes) {
      written.push(Buffer.from(bytes));
    },
    async shutdownWrite() {},
    close() {},
  };
}
