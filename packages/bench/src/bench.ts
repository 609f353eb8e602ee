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
  ScenarioResult,
  TargetInfo,
} from "./results.ts";
import { measureBaselines, runIdle, runPipeline, runScenario } from "./runs.ts";
import { type Settings, scenarios } from "./scenarios.ts";
import {
  choosePinning,
  describeMachine,
  ephemeralPorts,
  fdLimits,
  type Machine,
  type Pinning,
} from "./system.ts";
import { allTargets, type StartOptions, type Target } from "./targets.ts";
import { startWorker, WorkerDied } from "./worker.ts";

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
    return {
      target,
      info: note
        ? { name: target.name, available: false, note }
        : { name: target.name, available: true },
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
  const worker = await startWorker({ cpu: pinning.client, fdLimit });
  // Ctrl-C: end the load generator now; the run in progress fails, its
  // server is stopped by its `finally`, and checkStop() reports why.
  const onAbort = () => void worker.close();
  stop.addEventListener("abort", onAbort, { once: true });
  const checkStop = () => {
    if (stop.aborted) throw new Interrupted();
  };
  try {
    // The scaling figures. Phase 2 serves one client at a time: 10,000 idle
    // connections would be 9,999 waiting ones, so it sits these out; a
    // --quick run takes them for one target only (phase 3 if it runs).
    const others = active.filter((t) => t.name !== "phase2-framing");
    const phase3 = others.filter((t) => t.name === "phase3-eventloop");
    const quickOnes = phase3.length > 0 ? phase3 : others.slice(0, 1);
    const scaled = settings.mode === "quick" ? quickOnes : others;
    const runnable = scenarios.flatMap((s) => active.filter((t) => s.payloadSize <= t.maxPayload));
    const total = runnable.length * settings.rounds + scaled.length * 2;
    let step = 0;
    const tick = (what: string) => {
      step++;
      options.progress(`[${step}/${total}] ${what}`);
    };
    const ctx = { worker, settings, startOptions, checkStop, tick };

    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      scenarioResults.push({ scenario, runs: await runScenario(ctx, active, scenario) });
    }

    const idle: IdleResult[] = [];
    const pipeline: PipelineResult[] = [];
    for (const target of scaled) {
      checkStop();
      tick(`${settings.idleConnections} idle connections: ${target.name}`);
      idle.push(
        await orFailed(target, () => runIdle(worker, target, settings, startOptions), {
          connections: settings.idleConnections,
          open: 0,
          rssBefore: null,
          rssAfter: null,
          errors: null,
        }),
      );
      checkStop();
      tick(`pipelines of ${settings.pipelineSmall} and ${settings.pipelineLarge}: ${target.name}`);
      pipeline.push(
        await orFailed(target, () => runPipeline(worker, target, settings, startOptions), {
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
    await worker.close();
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
