// Entry point of `pnpm start` in this package: the server, with the flags below.
// Flags in, startServer(), wait for Ctrl-C, close. The lesson is in ../server.ts.
import { createLogger, isLoopback, logFlags, main, parseFlags, untilStopped } from "@rah/core";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase2-framing start [flags]",
  role: "server" as const,
  summary:
    "A framed echo server (book chapter 4): serves one client at a time, answers every length-prefixed request (at most 4096 bytes) with the same payload.",
  flags: logFlags,
  examples: [
    "pnpm --filter phase2-framing start",
    "pnpm --filter phase2-framing start --port 5555 --trace",
  ],
};

main(async (argv, stop) => {
  const { host, port, values } = parseFlags(argv, program);
  const log = createLogger({ quiet: values.quiet === true, trace: values.trace === true });
  if (!isLoopback(host))
    log.warn(
      `listening on ${host} lets other machines connect: this teaching server has no authentication`,
    );
  const server = await startServer({ host, port, log });
  await untilStopped(stop);
  log.info("shutting down");
  await server.close();
  return 0;
});
