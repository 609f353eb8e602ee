// Entry point: `pnpm bench [--quick] [--write] [--redis]`.
// Flags in, runBench(), the report out; exit 1 if any reply was wrong or
// missing or a server failed. The work is in ../bench.ts.
import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { boolFlag, main, type Program, parseFlags, UsageError } from "@rah/core";
import { planBench, runBench } from "../bench.ts";
import { writeBenchmarkPage } from "../markdown.ts";
import { createProgress } from "../progress.ts";
import { preamble, problems, textReport } from "../report.ts";
import { settingsFor } from "../scenarios.ts";
import { allTargets } from "../targets.ts";

const TARGETS = allTargets.map((t) => t.short);

const program: Program = {
  usage: "pnpm bench [flags]",
  role: "tool" as const,
  summary:
    "Runs every phase's server, a minimal Node floor and (with --redis) real Redis under the same load, and prints each server's CPU time per request, requests/s, latency and memory side by side. Every reply is checked; any wrong or missing one makes it exit 1.",
  flags: {
    quick: { type: "boolean", description: "short runs (under 30 s in all): the CI smoke test" },
    write: {
      type: "boolean",
      description: "also write docs/benchmarks.md and docs/benchmarks.svg",
    },
    redis: { type: "boolean", description: "include redis-server from PATH (PING through RESP)" },
    only: {
      type: "string",
      value: "<list>",
      description: `comma-separated targets to run: ${TARGETS.join(",")}`,
    },
    duration: {
      type: "string",
      value: "<s>",
      description: "measured seconds per round (default 1.5, --quick 0.3)",
    },
    json: { type: "string", value: "<file>", description: "write the raw results as JSON" },
    "cpu-prof": {
      type: "string",
      value: "<dir>",
      description: "run every Node server with node --cpu-prof, profiles into <dir>",
    },
  },
  examples: [
    "pnpm bench --quick",
    "pnpm bench --write --redis",
    "pnpm bench --only phase3,floor --cpu-prof prof",
  ],
};

main(async (argv, stop) => {
  // A tool: no --host or --port, and any stray word is refused by parseFlags.
  const { values } = parseFlags(argv, program);
  const only =
    typeof values.only === "string"
      ? new Set(values.only.split(",").map((s) => s.trim()))
      : undefined;
  for (const name of only ?? []) {
    if (!TARGETS.includes(name))
      throw new UsageError(`--only: unknown target "${name}", use ${TARGETS.join(", ")}`);
  }
  const duration = secondsFlag(values.duration);
  const json = jsonFlag(values.json);
  const profDir = typeof values["cpu-prof"] === "string" ? values["cpu-prof"] : undefined;
  const progress = createProgress();
  // The command as the page records it: --json <file> says where this run's
  // raw numbers went, not how they were measured.
  const args = argv.filter((a, i) => a !== "--" && a !== "--json" && argv[i - 1] !== "--json");
  const options = {
    settings: settingsFor(boolFlag(values, "quick"), duration),
    redis: boolFlag(values, "redis"),
    ...(only && { only }),
    nodeArgs: profDir ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [],
    command: ["pnpm bench", ...args].join(" "),
    progress: progress.update,
  };

  const plan = planBench(options);
  console.log(preamble({ ...plan, pinning: plan.pinning.description }));
  const results = await runBench(plan, options, stop).finally(progress.done);
  console.log(textReport(results));
  if (json) writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  if (boolFlag(values, "write")) {
    const docs = fileURLToPath(new URL("../../../../docs/", import.meta.url));
    for (const file of writeBenchmarkPage(results, docs)) console.log(`wrote ${file}`);
  }
  const trouble = problems(results);
  if (trouble.length > 0) {
    process.stderr.write(`error: ${trouble.join("; ")}: see the notes in the report above\n`);
    return 1;
  }
  return 0;
});

/**
 * --json: a file that can be written, checked now rather than after minutes
 * of measuring (the results would be lost with the error).
 */
function jsonFlag(value: string | boolean | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  const folder = dirname(resolve(value));
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(
      `--json ${value}: cannot write a file in ${folder} (does the folder exist?)`,
    );
  }
  if (statSync(value, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--json ${value}: that is a folder; name a file`);
  }
  return value;
}

/** --duration: seconds, fractions allowed ("1.5"). */
function secondsFlag(value: string | boolean | undefined): number | undefined {
  if (typeof value !== "string") return undefined;
  const seconds = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0.1 && seconds <= 600)) {
    throw new UsageError(`--duration must be a number of seconds from 0.1 to 600, got "${value}"`);
  }
  return seconds;
}
