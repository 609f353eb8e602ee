// Entry point: `pnpm --filter phase1-echo client [message...]`.
// With words: send them (joined by spaces) and print the echo.
// With piped stdin: stream stdin to the server and the echo to stdout, byte for byte.
// In a terminal with no words: one exchange per line typed.
import { main, parseFlags, terminalLines } from "@rah/core";
import { exchange, interactive, relay } from "../client.ts";

const program = {
  usage: "pnpm --filter phase1-echo client [flags]",
  role: "client" as const,
  args: "[message...]",
  summary:
    "Sends a message to the echo server and prints what comes back. With no message it sends stdin (any size) and writes the echo to stdout, or asks line by line in a terminal.",
  examples: [
    "pnpm --filter phase1-echo client hello world",
    "head -c 64M /dev/urandom > /tmp/in && pnpm --filter phase1-echo client < /tmp/in | cmp - /tmp/in",
  ],
};

main(
  async (argv) => {
    const { host, port, positionals } = parseFlags(argv, program);
    if (positionals.length > 0) {
      const reply = await exchange(host, port, Buffer.from(positionals.join(" ")));
      process.stdout.write(`${reply.toString()}\n`);
      return 0;
    }
    if (!process.stdin.isTTY) {
      // Each piece of the echo goes to stdout as it arrives; the next is read
      // once stdout has taken it, so memory stays small at any size.
      const toStdout = (bytes: Buffer) =>
        new Promise<void>((resolve) => process.stdout.write(bytes, () => resolve()));
      await relay(host, port, process.stdin, toStdout);
      return 0;
    }
    await interactive(host, port, terminalLines(), (text) => console.log(text));
    return 0;
  },
  { onSignal: "exit" },
);
