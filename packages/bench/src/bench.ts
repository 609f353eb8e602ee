// The bench itself: what runs where (the plan), then every scenario against
// every target and the two scaling figures (idle connections, pipeline
// length), with the load generator in its own long-lived process.
// The measurements themselves are in runs.ts.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { UserError } from "@rah/core";
import type {
  BenchResults,
  IdleResult,
  PipelineResult,
  RunResult,
  ScenarioResult,
  TargetInfo,
} from "./results.ts";
import {
  measureBaselines,
  runFairness,
  runFixedRate,
  runIdle,
  runPipeline,
  runRehash,
  runThroughput,
  runZset,
  type ScenarioContext,
  serverPool,
} from "./runs.ts";
import { type Scenario, type Settings, scenarios } from "./scenarios.ts";
import {
  choosePinning,
  describeMachine,
  ephemeralPorts,
  fdLimits,
  type Machine,
  type Pinning,
} from "./system.ts";
import { allTargets, type StartOptions, type Target, targetsFor } from "./targets.ts";
import { type LoadWorker, startWorker, WorkerDied } from "./worker.ts";

export interface BenchOptions {
  settings: Settings;
  /** Include real Redis (when redis-server is on PATH). */
  redis: boolean;
  /** Short target names to run ("phase3", "floor", ...); all when absent. */
  only?: Set<string>;
  /** Extra node flags for every Node server, e.g. ["--cpu-prof", "--cpu-prof-dir=prof"]. */
  nodeArgs: string[];
  /** The command line to record in the report. */
  command: string;
  /** Called with a short status for the progress line. */
  progress(text: string): void;
}

/** Ctrl-C during the bench: servers and load generator are stopped, nothing is written. */
export class Interrupted extends UserError {
  override name = "Interrupted";
  override exitCode = 130;
  constructor() {
    super("interrupted: no results written");
  }
}

export interface Plan {
  settings: Settings;
  machine: Machine;
  pinning: Pinning;
  fdLimit: number | null;
  fdNote: string;
  targets: TargetInfo[];
  active: Target[];
}

/**
 * A scenario runs once the phase it is about exists: the key-value get/set
 * mix waits for phase 4, even though its floor could run alone. (A phase
 * left out with --only does not stop it.)
 */
export function subjectExists(scenario: Scenario): boolean {
  const subject = allTargets.find((t) => t.short === scenario.subject);
  return subject === undefined || subject.unavailable() === null;
}

/** A target all of whose scenarios wait for a phase that does not exist yet (the kv floor). */
function waitsForPhase(target: Target): boolean {
  const own = scenarios.filter((s) => target.scenarios.includes(s.id));
  return own.length > 0 && own.every((s) => !subjectExists(s));
}

/** What will run, and how: printed before the run, recorded in the results. */
export function planBench(options: BenchOptions): Plan {
  const targets = allTargets.map((target): { target: Target; info: TargetInfo } => {
    const missing = target.unavailable();
    let note: string | undefined;
    if (options.only && !options.only.has(target.short)) note = "not selected (--only)";
    else if (target.name === "redis" && !options.redis) {
      note = missing
        ? `${missing}; add --redis to compare with real Redis`
        : "add --redis to compare with real Redis";
    } else if (missing) note = missing;
    else if (waitsForPhase(target)) {
      note = "its scenarios run once the phases they measure exist";
    }
    const { name, short } = target;
    return {
      target,
      info: note ? { name, short, available: false, note } : { name, short, available: true },
    };
  });
  const active = targets.filter((t) => t.info.available).map((t) => t.target);
  if (active.length === 0) throw new UserError("no target to run: check --only and --redis");
  return {
    settings: options.settings,
    machine: describeMachine(),
    pinning: choosePinning(),
    ...chooseFdLimit(options.settings.idleConnections),
    targets: targets.map((t) => t.info),
    active,
  };
}

export async function runBench(
  plan: Plan,
  options: BenchOptions,
  stop: AbortSignal,
): Promise<BenchResults> {
  const started = performance.now();
  const loadAtStart = os.loadavg()[0] ?? 0;
  const { settings, pinning, fdLimit, active } = plan;
  const startOptions: StartOptions = {
    cpu: pinning.server,
    fdLimit,
    nodeArgs: options.nodeArgs,
    maxClients: settings.idleConnections,
  };
  const servers = serverPool(startOptions, settings.mode === "quick");
  const workers: LoadWorker[] = [];
  const worker = await startWorker({ cpu: pinning.client, fdLimit });
  workers.push(worker);
  let second: Promise<LoadWorker> | null = null;
  const secondWorker = () => {
    second ??= startWorker({ cpu: pinning.client, fdLimit }).then((w) => {
      workers.push(w);
      return w;
    });
    return second;
  };
  // Ctrl-C: end the load generators now; the run in progress fails, its
  // server is stopped by its `finally`, and checkStop() reports why.
  const onAbort = () => {
    for (const w of workers) void w.close();
  };
  stop.addEventListener("abort", onAbort, { once: true });
  const checkStop = () => {
    if (stop.aborted) throw new Interrupted();
  };
  try {
    // The scaling figures; a --quick run takes them for one target only
    // (phase 3 if it runs).
    const scaling = (figure: string) => {
      const all = targetsFor(figure, active);
      const phase3 = all.filter((t) => t.name === "phase3-eventloop");
      return settings.mode === "quick" ? (phase3.length > 0 ? phase3 : all.slice(0, 1)) : all;
    };
    const idleTargets = scaling("idle");
    const pipelineTargets = scaling("pipeline");
    const rounds = (s: Scenario) => (s.kind === "throughput" ? settings.rounds : 1);
    const runnable = scenarios.filter(subjectExists);
    const total =
      runnable.reduce((n, s) => n + targetsFor(s.id, active).length * rounds(s), 0) +
      idleTargets.length +
      pipelineTargets.length;
    let step = 0;
    const tick = (what: string) => {
      step++;
      options.progress(`[${step}/${total}] ${what}`);
    };
    const ctx: ScenarioContext = {
      servers,
      worker,
      secondWorker,
      settings,
      startOptions,
      checkStop,
      tick,
    };

    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of runnable) {
      const targets = targetsFor(scenario.id, active);
      if (targets.length === 0) continue;
      const runs = await runKind(ctx, targets, scenario, pinning.client !== null);
      scenarioResults.push({ scenario, runs });
    }

    const idle: IdleResult[] = [];
    for (const target of idleTargets) {
      checkStop();
      tick(`${settings.idleConnections} idle connections: ${target.name}`);
      idle.push(
        await orFailed(target, () => runIdle(ctx, target), {
          connections: settings.idleConnections,
          open: 0,
          rssBefore: null,
          rssAfter: null,
          errors: null,
        }),
      );
    }
    const pipeline: PipelineResult[] = [];
    for (const target of pipelineTargets) {
      checkStop();
      tick(`pipelines of ${settings.pipelineSmall} and ${settings.pipelineLarge}: ${target.name}`);
      pipeline.push(
        await orFailed(target, () => runPipeline(ctx, target), {
          small: settings.pipelineSmall,
          large: settings.pipelineLarge,
          smallMs: 0,
          largeMs: 0,
          ratio: 0,
          errorCount: 0,
        }),
      );
    }
    checkStop();
    // Only for the idle figure's context; --quick skips its two extra processes.
    const baselineRss =
      settings.mode === "full" && idle.length > 0
        ? await measureBaselines()
        : { node: null, tsx: null };

    return {
      date: new Date().toISOString(),
      command: options.command,
      machine: plan.machine,
      pinning: pinning.description,
      fdNote: plan.fdNote,
      settings,
      targets: plan.targets,
      scenarios: scenarioResults,
      idle,
      baselineRss,
      loadAverage: { start: loadAtStart, end: os.loadavg()[0] ?? 0 },
      pipeline,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err: unknown) {
    if (stop.aborted) throw new Interrupted();
    throw err;
  } finally {
    stop.removeEventListener("abort", onAbort);
    await servers.close();
    for (const w of workers) await w.close();
  }
}

/** Runs a scenario the way its kind is measured. */
function runKind(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: Scenario,
  pinned: boolean,
): Promise<RunResult[]> {
  switch (scenario.kind) {
    case "throughput":
      return runThroughput(ctx, targets, scenario);
    case "fixed-rate":
      return runFixedRate(ctx, targets, scenario, pinned);
    case "fairness":
      return runFairness(ctx, targets, scenario);
    case "rehash":
      return runRehash(ctx, targets, scenario);
    case "zset":
      return runZset(ctx, targets, scenario);
  }
}

/**
 * Runs one measurement; a server that fails to start or dies becomes a
 * "failed" row with the reason, and the bench goes on with the next one.
 * A dead load generator is fatal.
 */
async function orFailed<T extends { target: string; status: string }>(
  target: Target,
  measure: () => Promise<T>,
  empty?: Omit<T, "target" | "status" | "note">,
): Promise<T> {
  try {
    return await measure();
  } catch (err: unknown) {
    if (err instanceof WorkerDied) throw err;
    const note = (err instanceof Error ? err.message : String(err))
      .split("\n")
      .slice(0, 3)
      .join(" / ");
    return { ...empty, target: target.name, status: "failed", note } as unknown as T;
  }
}

/** The soft open-files limit for our children: enough for the idle figure, if the hard limit allows. */
function chooseFdLimit(idle: number): { fdLimit: number | null; fdNote: string } {
  const needed = idle + 1024;
  const { soft, hard } = fdLimits();
  const ports = ephemeralPorts();
  const portNote =
    ports !== null && ports < idle ? `; only ${ports} local ports for outgoing connections` : "";
  if (soft >= needed) return { fdLimit: null, fdNote: `open-files limit ${soft}${portNote}` };
  if (hard >= needed) {
    return {
      fdLimit: needed,
      fdNote: `open-files limit raised from ${soft} to ${needed}${portNote}`,
    };
  }
  return {
    fdLimit: hard,
    fdNote: `open-files limit raised to the hard limit ${hard}, below the ${needed} needed${portNote}`,
  };
}
