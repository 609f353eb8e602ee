// Entry point: `pnpm --filter phase8-zset client [command...]`.
// With words: they are ONE command (`client set k v`), and its response is
// printed as the book's client prints it (`(nil)`, `(str) v`, ...).
// With piped stdin: one command per line, split into words like a shell
// does, all sent before reading (pipelining), each response printed.
// In a terminal with no words: one command per line typed, one connection.
import { boolFlag, main, parseFlags, terminalLines, UsageError } from "@rah/core";
import { interactive, runCommands } from "../client.ts";
import { splitWords, UnfinishedLineError } from "../words.ts";

const program = {
  usage: "pnpm --filter phase8-zset client [flags]",
  role: "client" as const,
  args: "[command...]",
  summary:
    'Sends a command to the key-value server and prints its reply the way the book\'s client does, one line per value: (nil), (str) <bytes>, (int) <n>, (dbl) <n>, (err) <code> <message>, and (arr) len=<n> ... (arr) end. Commands: get <key>, set <key> <value>, del <key>, keys, zadd <key> <score> <name>, zrem <key> <name>, zscore <key> <name>, zquery <key> <score> <name> <offset> <limit>. With no command it reads one per line from stdin, or asks line by line in a terminal; quotes work as in a shell ("" is an empty argument).',
  flags: {
    "no-pipeline": {
      type: "boolean" as const,
      description: "wait for each response before sending the next command",
    },
  },
  examples: [
    "pnpm --filter phase8-zset client set greeting 'hello world'",
    "pnpm --filter phase8-zset client get greeting",
    "printf 'set a 1\\nget a\\ndel a\\nget a\\n' | pnpm --filter phase8-zset client",
  ],
};

main(
  async (argv) => {
    const { host, port, values, positionals } = parseFlags(argv, program);
    if (positionals.length > 0 || !process.stdin.isTTY) {
      // The words are one command; with no words, each line of stdin is one.
      const commands = positionals.length > 0 ? [positionals] : await stdinCommands();
      // (Words typed on the command line are text: they go out as UTF-8.)
      const output = await runCommands(host, port, commands, {
        pipeline: !boolFlag(values, "no-pipeline"),
      });
      for (const line of output) process.stdout.write(line);
      return 0;
    }
    const print = (output: Buffer | string) => process.stdout.write(output);
    await interactive(host, port, terminalLines(), print);
    return 0;
  },
  { onSignal: "exit" },
);

/**
 * The commands on stdin, one per line, split into words; blank lines are
 * skipped. Stdin is read as bytes, not text: each byte becomes one char
 * ("latin1"), the words are split on those chars, and each word goes back
 * to exactly its bytes, so a key or value holding any byte (0xFF, invalid
 * UTF-8) reaches the server unchanged. Words on the command line cannot do
 * that: Node hands over argv already decoded as UTF-8.
 */
async function stdinCommands(): Promise<Buffer[][]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const lines = Buffer.concat(chunks).toString("latin1").split(/\r?\n/);
  const commands: Buffer[][] = [];
  for (const [index, line] of lines.entries()) {
    try {
      const words = splitWords(line);
      if (words.length > 0) commands.push(words.map((word) => Buffer.from(word, "latin1")));
    } catch (err: unknown) {
      if (!(err instanceof UnfinishedLineError)) throw err;
      throw new UsageError(`line ${index + 1} of stdin: ${err.message}`);
    }
  }
  return commands;
}
