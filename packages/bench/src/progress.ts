// The progress line: one line on a terminal, rewritten in place; nothing
// when stderr is a file or a pipe (CI logs get the report, not the ticks).
import { performance } from "node:perf_hooks";

export interface Progress {
  update(text: string): void;
  /** Clears the line so the report starts on a clean one. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  const start = performance.now();
  return {
    update(text) {
      const seconds = Math.round((performance.now() - start) / 1000);
      const width = stream.columns && stream.columns > 20 ? stream.columns - 1 : 100;
      const line = `${text} (${seconds} s)`.slice(0, width);
      stream.write(`\r\x1b[2K${line}`);
    },
    done() {
      stream.write("\r\x1b[2K");
    },
  };
}
