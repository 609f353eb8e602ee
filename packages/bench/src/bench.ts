// The bench itself: every scenario against every target, one fresh server
// process per run, the load generator in its own long-lived process; then
// the two scaling figures (idle connections, pipeline length).
import os from "node:os";
import { performance } from "node:perf_hooks";
import { UserError } from "@rah/core";
import type { LoadOptions } from "./loadgen.ts";
import { launchNode, tsxLoader } from "./process.ts";
import type {
  BenchResults,
  IdleResult,
  PipelineResult,
  RunResult,
  ScenarioResult,
  TargetInfo,
} from "./results.ts";
import { type Scenario, type Settings, scenarios } from "./scenarios.ts";
import {
  choosePinning,
  describeMachine,
  ephemeralPorts,
  fdLimits,
  type Machine,
  memoryOf,
  type Pinning,
} from "./system.ts";
import { allTargets, type RunningServer, type StartOptions, type Target } from "./targets.ts";
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

const HOST = "127.0.0.1";

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
    const total =
      scenarios.length * active.length +
      active.filter((t) => t.name !== "phase2-framing").length * 2;
    let step = 0;
    const tick = (what: string) => {
      step++;
      options.progress(`[${step}/${total}] ${what}`);
    };

    const scenarioResults: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      const runs: RunResult[] = [];
      for (const target of active) {
        checkStop();
        tick(`${scenario.title}: ${target.name}`);
        runs.push(
          await orFailed(target, () =>
            runScenario(worker, target, scenario, settings, startOptions),
          ),
        );
      }
      scenarioResults.push({ scenario, runs });
    }

    // The scaling figures. Phase 2 serves one client at a time: 10,000 idle
    // connections would be 9,999 waiting ones, so it sits these out.
    const idle: IdleResult[] = [];
    const pipeline: PipelineResult[] = [];
    for (const target of active.filter((t) => t.name !== "phase2-framing")) {
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
    const baselineRss = await measureBaselines();

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

function baseLoad(
  server: RunningServer,
  target: Target,
): Pick<LoadOptions, "host" | "port" | "codec"> {
  return { host: HOST, port: server.port, codec: target.codec };
}

async function runScenario(
  worker: LoadWorker,
  target: Target,
  scenario: Scenario,
  settings: Settings,
  startOptions: StartOptions,
): Promise<RunResult> {
  if (scenario.payloadSize > target.maxPayload) {
    return {
      target: target.name,
      status: "n/a",
      note: `over the ${target.maxPayload}-byte limit`,
    };
  }
  const server = await target.start(startOptions);
  try {
    let cpuStart: number | null = null;
    let cpuEnd: number | null = null;
    let t0 = 0;
    let t1 = 0;
    const load = await worker.run(
      {
        ...baseLoad(server, target),
        connections: scenario.connections,
        inFlight: scenario.inFlight,
        payloadSize: scenario.payloadSize,
        warmupMs: settings.warmupMs,
        durationMs: settings.durationMs,
        graceMs: settings.graceMs,
      },
      {
        onMeasureStart: () => {
          cpuStart = server.cpuSeconds();
          t0 = performance.now();
        },
        onMeasureEnd: () => {
          cpuEnd = server.cpuSeconds();
          t1 = performance.now();
        },
      },
    );
    const memory = server.memory();
    const exit = server.exitNote();
    const cpuPercent =
      cpuStart !== null && cpuEnd !== null && t1 > t0
        ? ((cpuEnd - cpuStart) * 100_000) / (t1 - t0)
        : null;
    return {
      target: target.name,
      status: exit ? "failed" : "ok",
      ...(exit && { note: exit }),
      load,
      server: { cpuPercent, peakRss: memory?.peakRss ?? null },
    };
  } finally {
    await server.stop();
  }
}

async function runIdle(
  worker: LoadWorker,
  target: Target,
  settings: Settings,
  startOptions: StartOptions,
): Promise<IdleResult> {
  const server = await target.start(startOptions);
  try {
    const rssBefore = server.memory()?.rss ?? null;
    let rssAfter: number | null = null;
    let open = 0;
    const load = await worker.run(
      {
        ...baseLoad(server, target),
        connections: settings.idleConnections,
        inFlight: 1,
        requestsPerConnection: 1,
        payloadSize: settings.payloadSize,
        warmupMs: 0,
        durationMs: 30_000,
        graceMs: 0,
      },
      {
        // Every connection has been answered once; let the server settle
        // (a GC may run), then read its resident memory.
        hold: async (opened) => {
          open = opened;
          await new Promise((resolve) => setTimeout(resolve, settings.idleSettleMs));
          rssAfter = server.memory()?.rss ?? null;
        },
      },
    );
    const exit = server.exitNote();
    let note: string | undefined;
    if (exit) note = exit;
    else if (open < settings.idleConnections) {
      note = `only ${open} of ${settings.idleConnections} connections stayed open: ${load.errorSamples[0] ?? "no error reported"}`;
    }
    return {
      target: target.name,
      status: exit ? "failed" : "ok",
      ...(note && { note }),
      connections: settings.idleConnections,
      open,
      rssBefore,
      rssAfter,
      errors: load.errors,
    };
  } finally {
    await server.stop();
  }
}

async function runPipeline(
  worker: LoadWorker,
  target: Target,
  settings: Settings,
  startOptions: StartOptions,
): Promise<PipelineResult> {
  const server = await target.start(startOptions);
  const figure = { small: settings.pipelineSmall, large: settings.pipelineLarge };
  try {
    // One pipeline; a wrong, missing or late reply ends the figure (a server
    // that stalls once would make every repeat wait for the time limit).
    const pipe = async (count: number) => {
      const result = await worker.run({
        ...baseLoad(server, target),
        connections: 1,
        inFlight: count,
        requestsPerConnection: count,
        payloadSize: settings.payloadSize,
        warmupMs: 0,
        durationMs: PIPELINE_LIMIT_MS,
        graceMs: 0,
      });
      if (result.errorCount > 0 || result.replies < count) {
        const why =
          result.errorSamples[0] ??
          `${result.replies} of ${count} replies in ${PIPELINE_LIMIT_MS / 1000} s`;
        throw new PipelineFailed(
          result.errorCount || count - result.replies,
          `a pipeline of ${count}: ${why}`,
        );
      }
      return result.elapsedMs;
    };
    // One of each first, unmeasured: the JIT compiles the hot paths.
    await pipe(settings.pipelineSmall);
    await pipe(settings.pipelineLarge);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < settings.pipelineRepeats; i++) {
      small.push(await pipe(settings.pipelineSmall));
      large.push(await pipe(settings.pipelineLarge));
    }
    const smallMs = median(small);
    const largeMs = median(large);
    const exit = server.exitNote();
    return {
      target: target.name,
      status: exit ? "failed" : "ok",
      ...(exit && { note: exit }),
      ...figure,
      smallMs,
      largeMs,
      ratio: largeMs / smallMs,
      errorCount: 0,
    };
  } catch (err: unknown) {
    if (!(err instanceof PipelineFailed)) throw err;
    const note = server.exitNote() ?? err.message;
    return {
      target: target.name,
      status: "failed",
      note,
      ...figure,
      smallMs: 0,
      largeMs: 0,
      ratio: 0,
      errorCount: err.errors,
    };
  } finally {
    await server.stop();
  }
}

/** How long one pipeline may take before its missing replies count as errors. */
const PIPELINE_LIMIT_MS = 20_000;

class PipelineFailed extends Error {
  override name = "PipelineFailed";
  readonly errors: number;
  constructor(errors: number, message: string) {
    super(message);
    this.errors = errors;
  }
}

/**
 * The resident memory of a Node process that does nothing, with and without
 * the tsx loader: the floor under every Node target's RSS. (tsx runs its
 * module hooks on a thread of their own, with its own V8 heap.)
 */
async function measureBaselines(): Promise<{ node: number | null; tsx: number | null }> {
  const idle = async (args: string[]) => {
    const child = launchNode([...args, "-e", "console.log('up'); setInterval(() => {}, 60_000)"]);
    try {
      await child.waitFor(/^up$/m, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return memoryOf(child.pid)?.rss ?? null;
    } catch {
      return null;
    } finally {
      await child.stop();
    }
  };
  return { node: await idle([]), tsx: await idle(["--import", tsxLoader]) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
