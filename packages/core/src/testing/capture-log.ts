// A Logger whose lines are kept in a string, to assert what a server logs.
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../log.ts";
import { withTimeout } from "./time.ts";

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
