// Entry point: `pnpm load [flags]`, the load generator as a command for
// people. Many connections against one server, every reply checked, and a
// summary at the end (or at Ctrl-C). Exit 1 if any reply was wrong or
// missing, or a connection failed. The work is in ../loadgen.ts; the
// summary in ../load-summary.ts.
import net from "node:net";
import { connectError, intFlag, main, parseFlags, sizeFlag, UsageError } from "@rah/core";
import { formatCount } from "../format.ts";
import { formatLoadSummary, type LoadPlan } from "../load-summary.ts";
import { runLoad } from "../loadgen.ts";
import { createProgress } from "../progress.ts";
import { echoWorkload, KEYS_PER_CONNECTION, type Protocol, repliesOf } from "../scenarios.ts";
import type { WorkloadSpec } from "../workloads.ts";

const PROTOCOLS: Protocol[] = ["frame", "resp", "kv-status", "kv-typed"];

const program = {
  usage: "pnpm load [flags]",
  role: "client" as const,
  summary:
    "Runs many clients against one server, checks every reply against its request, and prints a summary: requests, good replies, errors by kind, rate, latency percentiles, and its own CPU. Ctrl-C stops sending and prints what was done. Exits 1 on any error: a wrong or missing reply, a connection closed early or refused.",
  flags: {
    protocol: {
      type: "string" as const,
      value: "<name>",
      description: `what the server speaks: ${PROTOCOLS.join(", ")} (frame: phases 2 and 3, an echo; resp: real Redis, PING <payload>; kv-status: phases 4 and 5, kv-typed: phases 6 on, a get/set mix on ${KEYS_PER_CONNECTION} keys per connection; default frame)`,
    },
    clients: {
      type: "string" as const,
      value: "<n>",
      description: "connections at once (default 1)",
    },
    requests: {
      type: "string" as const,
      value: "<m>",
      description: "requests per connection, then stop (default 10000 unless --seconds)",
    },
    seconds: {
      type: "string" as const,
      value: "<s>",
      description: "send for this long instead of a number of requests",
    },
    pipeline: {
      type: "string" as const,
      value: "<p>",
      description: "requests in flight per connection (default 1: wait for each reply)",
    },
    size: {
      type: "string" as const,
      value: "<bytes>",
      description:
        "payload bytes per request, like 16 or 64k; with kv-*, bytes per value (at least 23) (default 16)",
    },
    rate: {
      type: "string" as const,
      value: "<n>",
      description:
        "open loop: send n requests/s in all, on schedule whether or not replies came; latency counts from each request's due time",
    },
  },
  examples: [
    "pnpm load --clients 50 --requests 10000",
    "pnpm load --clients 50 --pipeline 16 --seconds 5",
    "pnpm load --clients 50 --rate 20000 --seconds 5",
    "pnpm load --protocol resp --port 6379 --clients 50 --seconds 3",
    "pnpm load --protocol kv-status --clients 50 --pipeline 16 --seconds 3",
  ],
};

main(async (argv, stop) => {
  const { host, port, values } = parseFlags(argv, program);
  const protocol = (values.protocol ?? "frame") as Protocol;
  if (typeof protocol !== "string" || !PROTOCOLS.includes(protocol)) {
    throw new UsageError(
      `--protocol must be one of ${PROTOCOLS.join(", ")}, got "${String(values.protocol)}"`,
    );
  }
  if ("requests" in values && "seconds" in values) {
    throw new UsageError("give --requests or --seconds, not both");
  }
  if ("rate" in values && "pipeline" in values) {
    throw new UsageError(
      "--rate sends on a schedule, so --pipeline does not apply: drop one of them",
    );
  }
  const seconds = secondsFlag(values.seconds);
  const plan: LoadPlan = {
    host,
    port,
    protocol,
    clients: intFlag(values, "clients", { min: 1, max: 50_000, fallback: 1 }),
    requests:
      seconds === null
        ? intFlag(values, "requests", { min: 1, max: 1_000_000_000, fallback: 10_000 })
        : null,
    seconds,
    pipeline: intFlag(values, "pipeline", { min: 1, max: 10_000_000, fallback: 1 }),
    size: sizeFlag(values, "size", { min: 0, max: 512 * 1024 * 1024, fallback: 16 }),
    rate:
      "rate" in values ? intFlag(values, "rate", { min: 1, max: 100_000_000, fallback: 1 }) : null,
  };

  // One connection first, so that "no server there" is one clear sentence.
  await checkReachable(host, port);

  // Ctrl-C (the `stop` signal): stop sending, wait a moment for the replies
  // due, and print the summary. A second Ctrl-C ends the program at once.
  const interrupt = new AbortController();
  stop.addEventListener("abort", () => interrupt.abort("interrupt"), { once: true });
  const progress = createProgress();
  const total = plan.requests === null ? null : plan.requests * plan.clients;
  const result = await runLoad(
    {
      host,
      port,
      workload: workloadFor(protocol, plan.size),
      connections: plan.clients,
      inFlight: plan.rate === null ? plan.pipeline : 100_000,
      ...(plan.rate !== null && { rate: plan.rate }),
      ...(plan.requests !== null && { requestsPerConnection: plan.requests }),
      warmupMs: 0,
      warmupStallMs: 0,
      durationMs: seconds === null ? null : seconds * 1000,
      graceMs: 5000,
    },
    {
      signal: interrupt.signal,
      onProgress: ({ good, errors }) =>
        progress.update(
          `${formatCount(good)}${total === null ? "" : ` of ${formatCount(total)}`} replies, ${formatCount(errors)} errors`,
        ),
    },
  ).finally(progress.done);
  process.stdout.write(formatLoadSummary(plan, result, interrupt.signal.aborted));
  return result.errorCount > 0 ? 1 : 0;
});

/** The echo for frame and resp; the get/set mix for the key-value protocols. */
function workloadFor(protocol: Protocol, size: number): WorkloadSpec {
  if (protocol === "frame" || protocol === "resp") return echoWorkload(protocol, size);
  return {
    kind: "kv-mix",
    replies: repliesOf(protocol),
    keysPerConnection: KEYS_PER_CONNECTION,
    valueSize: size,
  };
}

/** --seconds: a number of seconds, fractions allowed; null when absent. */
function secondsFlag(value: string | boolean | undefined): number | null {
  if (typeof value !== "string") return null;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0.1 && seconds <= 86_400)) {
    throw new UsageError(`--seconds must be a number of seconds from 0.1 to 86400, got "${value}"`);
  }
  return seconds;
}

/** Connects once and closes; throws the friendly error when nothing listens there. */
function checkReachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve();
    });
    socket.once("error", (err: unknown) => reject(connectError(err, host, port)));
  });
}
