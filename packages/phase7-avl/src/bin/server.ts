// Entry point of `pnpm start` in this package: the server, with the flags below.
// Flags in, startServer(), wait for Ctrl-C, close. The lesson is in ../server.ts.
import {
  createLogger,
  intFlag,
  isLoopback,
  logFlags,
  main,
  parseFlags,
  sizeFlag,
  sizeText,
  untilStopped,
} from "@rah/core";
import { MAX_MESSAGE } from "../protocol.ts";
import { MAX_CONNECTIONS, MAX_QUEUED, MIN_MESSAGE, startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase7-avl start [flags]",
  role: "server" as const,
  summary:
    "The key-value server of chapter 9, unchanged (book chapter 10 adds an AVL tree, see `pnpm --filter phase7-avl tree`): get, set, del and keys, each answered with one typed value.",
  flags: {
    ...logFlags,
    "max-message": {
      type: "string" as const,
      value: "<bytes>",
      description: `largest request or reply payload, at least ${MIN_MESSAGE} bytes (room for ERR 2), like 4096, 64k or 32MiB (default ${sizeText(MAX_MESSAGE)})`,
    },
    "max-connections": {
      type: "string" as const,
      value: "<n>",
      description: `clients served at once; more are closed as they arrive (default ${MAX_CONNECTIONS})`,
    },
    "max-queued": {
      type: "string" as const,
      value: "<bytes>",
      description: `unsent replies per client before its requests stop being read (default ${sizeText(MAX_QUEUED)})`,
    },
  },
  examples: [
    "pnpm --filter phase7-avl start",
    "pnpm --filter phase7-avl start --port 5555 --trace",
    "pnpm --filter phase7-avl start --quiet --max-message 64k --max-connections 100",
  ],
};

main(async (argv, stop) => {
  const { host, port, values } = parseFlags(argv, program);
  const maxMessage = sizeFlag(values, "max-message", {
    min: MIN_MESSAGE,
    max: 0xffff_ffff,
    fallback: MAX_MESSAGE,
  });
  const maxConnections = intFlag(values, "max-connections", {
    min: 1,
    max: 1_000_000,
    fallback: MAX_CONNECTIONS,
  });
  const maxQueued = sizeFlag(values, "max-queued", {
    min: 1,
    max: 1024 ** 3,
    fallback: MAX_QUEUED,
  });
  const log = createLogger({ quiet: values.quiet === true, trace: values.trace === true });
  if (!isLoopback(host))
    log.warn(
      `listening on ${host} lets other machines connect: this teaching server has no authentication`,
    );
  const server = await startServer({ host, port, log, maxMessage, maxConnections, maxQueued });
  await untilStopped(stop);
  log.info("shutting down");
  await server.close();
  return 0;
});
