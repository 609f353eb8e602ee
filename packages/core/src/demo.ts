// The narration of every phase's demo: numbered steps, what each client
// says, and the server's log in between, all on stdout, in order.
import { Writable } from "node:stream";
import { styleText } from "node:util";
import { createLogger, type Logger, useColor } from "./log.ts";

export interface Demo {
  /** The server's log for the demo: every line, warnings included, on stdout. */
  readonly log: Logger;
  /** Prints a step's heading, once the server's log has gone quiet (nothing left over from the last step). */
  step(text: string): Promise<void>;
  /** Prints a line said by client `name`. */
  say(name: string, text: string): void;
  /** Prints a line of narration that no client says: what the demo looks at (a table, a tree). */
  note(text: string): void;
  pause(ms: number): Promise<void>;
}

/** How long the log must stay silent before a heading is printed, and the longest wait for that. */
const QUIET_MS = 100;
const MAX_WAIT_MS = 2_000;

/** A demo whose title is printed at once. */
export function createDemo(title: string): Demo {
  const color = useColor(process.stdout);
  const bold = (text: string) => (color ? styleText("bold", text) : text);
  const green = (text: string) => (color ? styleText("green", text) : text);
  let lastLine = 0;
  // Where the server's log goes: stdout, noting when it last wrote.
  const sink = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lastLine = performance.now();
        process.stdout.write(chunk, () => done());
      },
    }),
    { isTTY: process.stdout.isTTY },
  );
  const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  console.log(bold(`== ${title} ==`));
  return {
    log: createLogger({ out: sink, err: sink }),
    async step(text) {
      const deadline = performance.now() + MAX_WAIT_MS;
      while (performance.now() - lastLine < QUIET_MS && performance.now() < deadline) {
        await pause(QUIET_MS / 4);
      }
      console.log(`\n${bold(text)}`);
    },
    say(name, text) {
      console.log(`${green(`client ${name}`)}  ${text}`);
    },
    note(text) {
      console.log(`          ${text}`);
    },
    pause,
  };
}
