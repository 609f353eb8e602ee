// Entry point: `pnpm --filter phase1-echo client [message...]`.
// With words: send them (joined by spaces) and print the echo.
// With piped stdin: send all of stdin, write the echo to stdout byte for byte.
// In a terminal with no words: one exchange per line typed.
import { createInterface } from "node:readline";
import { main, parseFlags } from "@rah/core";
import { exchange, interactive } from "../client.ts";

const program = {
  usage: "pnpm --filter phase1-echo client [flags]",
  role: "client" as const,
  args: "[message...]",
  summary:
    "Sends a message to the echo server and prints what comes back. With no message it reads stdin, or asks line by line in a terminal.",
  examples: [
    "pnpm --filter phase1-echo client hello world",
    "echo hi | pnpm --filter phase1-echo client",
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
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      process.stdout.write(await exchange(host, port, Buffer.concat(chunks)));
      return 0;
    }
    const lines = createInterface({ input: process.stdin, output: process.stdout });
    await interactive(host, port, lines, (text) => console.log(text));
    return 0;
  },
  { onSignal: "exit" },
);
