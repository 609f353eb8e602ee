// Lines a person types, for the clients' interactive mode.
import { createInterface, type Interface } from "node:readline";

/**
 * A readline interface on the terminal that behaves as a person expects.
 * In a terminal, readline reads keys itself, so Ctrl-C arrives as a key and
 * not as a signal; with no listener readline would only pause, swallowing
 * it. Here Ctrl-C ends the program at once, dying of SIGINT as it would
 * without readline (the shell sees exit status 130). Ctrl-D ends the input,
 * and the shell's prompt then starts on a fresh line, not after "> ".
 */
export function terminalLines(): Interface {
  const lines = createInterface({ input: process.stdin, output: process.stdout });
  lines.on("SIGINT", () => {
    lines.close();
    process.kill(process.pid, "SIGINT");
  });
  lines.on("close", () => process.stdout.write("\n"));
  return lines;
}
