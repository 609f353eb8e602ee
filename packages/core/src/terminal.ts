// Lines a person types, for the clients' interactive mode.
import { createInterface, type Interface } from "node:readline";

export interface TerminalOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** What Ctrl-C does; by default, SIGINT to the whole foreground process group. */
  interrupt?: () => void;
}

/**
 * A readline interface on the terminal that behaves as a person expects.
 * In a terminal, readline reads keys itself (raw mode), so Ctrl-C arrives
 * as a key and not as a signal; with no listener readline would only
 * pause, swallowing it. Here Ctrl-C does what the terminal would have done:
 * send SIGINT to the whole foreground process group (pid 0 means "my
 * group"), so this program and whatever started it (pnpm, a shell script)
 * end at once, as they do on Ctrl-C anywhere else. Ctrl-D ends the input,
 * and the shell's prompt then starts on a fresh line, not after "> ".
 */
export function terminalLines(options: TerminalOptions = {}): Interface {
  const output = options.output ?? process.stdout;
  const lines = createInterface({ input: options.input ?? process.stdin, output });
  const interrupt = options.interrupt ?? (() => process.kill(0, "SIGINT"));
  lines.on("SIGINT", () => {
    lines.close(); // leaves raw mode: the terminal is as we found it
    interrupt();
  });
  lines.on("close", () => output.write("\n"));
  return lines;
}
