// Entry point: `pnpm --filter phase3-eventloop client [message...]`.
// With words: send each one as a request of its own on one connection, all
// before reading any reply (pipelining; --no-pipeline waits for each), and
// print each reply on a line.
// With piped stdin: one request per line, one reply printed per line.
// In a terminal with no words: one request per line typed, one connection.
// With --clients or --requests: load mode (see ../load.ts).
import { createInterface } from "node:readline";
import { boolFlag, intFlag, main, parseFlags, sizeFlag, UsageError } from "@rah/core";
import { exchange, interactive } from "../client.ts";
import { formatSummary, runLoad } from "../load.ts";
import { MAX_MESSAGE } from "../protocol.ts";

const program = {
  usage: "pnpm --filter phase3-eventloop client [flags]",
  role: "client" as const,
  args: "[message...]",
  summary:
    "Sends each message as one framed request on one connection, all of them before reading the replies (pipelining), and prints each reply. With no message it reads stdin line by line, or asks line by line in a terminal. With --clients or --requests it runs a load test instead and prints a summary.",
  flags: {
    "no-pipeline": {
      type: "boolean" as const,
      description: "wait for each reply before sending the next request (phase 2's way)",
    },
    clients: {
      type: "string" as const,
      value: "<n>",
      description: "load mode: connections at once (default 1)",
    },
    requests: {
      type: "string" as const,
      value: "<m>",
      description: "load mode: requests per connection (default 10000)",
    },
    size: {
      type: "string" as const,
      value: "<bytes>",
      description: "load mode: payload bytes per request, like 16 or 64k (default 16)",
    },
    pipeline: {
      type: "string" as const,
      value: "<p>",
      description: "load mode: requests in flight per connection (default 1)",
    },
  },
  examples: [
    "pnpm --filter phase3-eventloop client hello world",
    "printf 'one\\ntwo\\n' | pnpm --filter phase3-eventloop client",
    "pnpm --filter phase3-eventloop client --clients 50 --requests 10000 --pipeline 16",
  ],
};

main(
  async (argv, stop) => {
    const { host, port, values, positionals } = parseFlags(argv, program);
    const pipeline = !boolFlag(values, "no-pipeline");

    const load = ["clients", "requests", "size", "pipeline"].some((name) => name in values);
    if (load) {
      if (positionals.length > 0 || !pipeline) {
        throw new UsageError(
          "load mode (--clients, --requests, --size, --pipeline) takes no messages and no --no-pipeline: use --pipeline 1",
        );
      }
      const options = {
        host,
        port,
        clients: intFlag(values, "clients", { min: 1, max: 20_000, fallback: 1 }),
        requests: intFlag(values, "requests", { min: 1, max: 100_000_000, fallback: 10_000 }),
        size: sizeFlag(values, "size", { min: 0, max: MAX_MESSAGE, fallback: 16 }),
        pipeline: intFlag(values, "pipeline", { min: 1, max: 1_000_000, fallback: 1 }),
      };
      const total = options.clients * options.requests;
      // A progress line, redrawn in place, only when a person is watching.
      const tty = process.stdout.isTTY === true;
      const result = await runLoad({
        ...options,
        signal: stop, // Ctrl-C: stop early, still print the summary
        ...(tty && {
          onProgress: (done: number) =>
            process.stdout.write(`\r  ${done} of ${total} requests answered...`),
        }),
      });
      if (tty) process.stdout.write("\r\x1b[K");
      process.stdout.write(formatSummary(options, result));
      return result.errors === 0 ? 0 : 1;
    }

    if (positionals.length === 0 && process.stdin.isTTY) {
      const lines = createInterface({ input: process.stdin, output: process.stdout });
      await interactive(host, port, lines, (text) => console.log(text));
      return 0;
    }
    // Each word is one request; with no words, each line of stdin is.
    const messages = positionals.length > 0 ? positionals : await stdinLines();
    const replies = await exchange(
      host,
      port,
      messages.map((message) => Buffer.from(message)),
      { pipeline },
    );
    for (const reply of replies) process.stdout.write(`${reply.toString()}\n`);
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
