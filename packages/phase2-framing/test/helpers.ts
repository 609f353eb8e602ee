// Test doubles shared by this phase's unit tests.
import { Writable } from "node:stream";
import { type Connection, createLogger, type Logger } from "@rah/core";
import { withTimeout } from "@rah/core/testing";

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

/** `bytes` cut at the given offsets (any order, duplicates and out-of-range ones ignored). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const to of [...points, bytes.length]) {
    parts.push(bytes.subarray(from, to));
    from = to;
  }
  return parts;
}

/** `bytes` one byte per chunk. */
export function byteByByte(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (b) => Uint8Array.of(b));
}

/** A logger that writes into a string (stdout and stderr lines alike), with a way to wait for a line. */
export function captureLog(options: { trace?: boolean } = {}): {
  log: Logger;
  text(): string;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
} {
  let text = "";
  const listeners = new Set<() => void>();
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      for (const l of [...listeners]) l();
      done();
    },
  });
  const log = createLogger({ out: sink, err: sink, trace: options.trace === true });
  return {
    log,
    text: () => text,
    async waitFor(pattern, ms = 10_000) {
      let check = () => {};
      const found = new Promise<void>((resolve) => {
        check = () => {
          if (pattern.test(text)) resolve();
        };
      });
      listeners.add(check);
      check();
      try {
        await withTimeout(found, ms, `waiting for ${pattern} in the log`);
      } catch (err: unknown) {
        throw new Error(`${pattern} not in the log after ${ms} ms; the log:\n${text}`, {
          cause: err,
        });
      } finally {
        listeners.delete(check);
      }
    },
  };
}
