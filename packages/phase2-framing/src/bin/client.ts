// Entry point: `pnpm --filter phase2-framing client [message...]`.
// With words: send each one as a request of its own, in order, on one
// connection, and print each reply on a line.
// With piped stdin: one request per line, one reply printed per line.
// In a terminal with no words: one request per line typed, one connection.
import { main, parseFlags, terminalLines } from "@rah/core";
import { exchange, interactive } from "../client.ts";

const program = {
  usage: "pnpm --filter phase2-framing client [flags]",
  role: "client" as const,
  args: "[message...]",
  summary:
    "Sends each message as one framed request (at most 4096 bytes) on one connection and prints each reply. With no message it reads stdin line by line, or asks line by line in a terminal.",
  examples: [
    "pnpm --filter phase2-framing client hello world",
    "printf 'one\\ntwo\\n' | pnpm --filter phase2-framing client",
  ],
};

main(
  async (argv) => {
    const { host, port, positionals } = parseFlags(argv, program);
    if (positionals.length > 0 || !process.stdin.isTTY) {
      // Each word is one request; with no words, each line of stdin is.
      const messages = positionals.length > 0 ? positionals : await stdinLines();
      const replies = await exchange(
        host,
        port,
        messages.map((message) => Buffer.from(message)),
      );
      for (const reply of replies) process.stdout.write(`${reply.toString()}\n`);
      return 0;
    }
    await interactive(host, port, terminalLines(), (text) => console.log(text));
    return 0;
  },
  { onSignal: "exit" },
);

/** All of stdin, one string per line; a final newline does not start another line. */
async function stdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString().split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}
