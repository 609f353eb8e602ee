// The measurements: one scenario against every target, idle connections,
// pipelines, and the memory of an idle Node process. Each starts the servers
// it needs and stops them by pid when it is done, whatever happens.
import { performance } from "node:perf_hooks";
import type { LoadErrors, LoadOptions, LoadResult } from "./loadgen.ts";
import { launchNode, tsxLoader } from "./process.ts";
import type { IdleResult, PipelineResult, RunResult } from "./results.ts";
import type { Scenario, Settings } from "./scenarios.ts";
import { memoryOf } from "./system.ts";
import type { RunningServer, StartOptions, Target, TargetName } from "./targets.ts";
import type { LoadWorker } from "./worker.ts";

const HOST = "127.0.0.1";

export interface ScenarioContext {
  worker: LoadWorker;
  settings: Settings;
  startOptions: StartOptions;
  /** Throws when the user pressed Ctrl-C. */
  checkStop(): void;
  /** Reports progress: one call per round. */
  tick(what: string): void;
}

interface Round {
  load: LoadResult;
  cpuPercent: number | null;
}

/**
 * One scenario against every target. Each target's server is started once;
 * then `settings.rounds` rounds run in turn across the targets (phase 2,
 * phase 3, floor, redis, phase 2, ...), so a burst of other work on the
 * machine hits one round rather than one target. Each target reports its
 * median round (by requests/s), with the errors of all its rounds.
 */
export async function runScenario(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: Scenario,
): Promise<RunResult[]> {
  const { settings } = ctx;
  const done = new Map<TargetName, RunResult>();
  const servers = new Map<Target, RunningServer>();
  const rounds = new Map<Target, Round[]>();
  try {
    for (const target of targets) {
      if (scenario.payloadSize > target.maxPayload) {
        const note = `over the ${target.maxPayload}-byte limit`;
        done.set(target.name, { target: target.name, status: "n/a", note });
        continue;
      }
      try {
        servers.set(target, await target.start(ctx.startOptions));
        rounds.set(target, []);
      } catch (err: unknown) {
        done.set(target.name, { target: target.name, status: "failed", note: firstLines(err) });
      }
    }
    for (let round = 1; round <= settings.rounds; round++) {
      for (const [target, server] of servers) {
        if (done.has(target.name)) continue;
        ctx.checkStop();
        ctx.tick(`${scenario.title}: ${target.name}, round ${round} of ${settings.rounds}`);
        rounds.get(target)?.push(await measureRound(ctx, target, server, scenario));
        const exit = server.exitNote();
        if (exit) done.set(target.name, { target: target.name, status: "failed", note: exit });
      }
    }
    for (const [target, server] of servers) {
      const measured = rounds.get(target) ?? [];
      const failed = done.get(target.name);
      const result = summarise(target, measured, server.memory()?.peakRss ?? null);
      done.set(target.name, failed ? { ...result, ...failed } : result);
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  return targets.flatMap((t) => done.get(t.name) ?? []);
}

async function measureRound(
  ctx: ScenarioContext,
  target: Target,
  server: RunningServer,
  scenario: Scenario,
): Promise<Round> {
  let cpuStart: number | null = null;
  let cpuEnd: number | null = null;
  let t0 = 0;
  let t1 = 0;
  const load = await ctx.worker.run(
    {
      ...baseLoad(server, target),
      connections: scenario.connections,
      inFlight: scenario.inFlight,
      payloadSize: scenario.payloadSize,
      warmupMs: ctx.settings.warmupMs,
      warmupStallMs: ctx.settings.warmupStallMs,
      durationMs: ctx.settings.durationMs,
      graceMs: ctx.settings.graceMs,
    },
    {
      // The server's CPU time over exactly the measured window.
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
  const cpuPercent =
    cpuStart !== null && cpuEnd !== null && t1 > t0
      ? ((cpuEnd - cpuStart) * 100_000) / (t1 - t0)
      : null;
  return { load, cpuPercent };
}

/** The median round by requests/s, carrying the errors of every round and the most starved. */
function summarise(target: Target, rounds: Round[], peakRss: number | null): RunResult {
  const sorted = [...rounds].sort((a, b) => a.load.requestsPerSecond - b.load.requestsPerSecond);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle) return { target: target.name, status: "failed", note: "no round was measured" };
  const errors: LoadErrors = { wrongReply: 0, missingReply: 0, closedEarly: 0, connectFailed: 0 };
  for (const { load } of rounds) {
    for (const kind of Object.keys(errors) as (keyof LoadErrors)[])
      errors[kind] += load.errors[kind];
  }
  const load: LoadResult = {
    ...middle.load,
    errors,
    errorCount: rounds.reduce((sum, r) => sum + r.load.errorCount, 0),
    errorSamples: rounds.flatMap((r) => r.load.errorSamples).slice(0, 5),
    starved: Math.max(...rounds.map((r) => r.load.starved)),
  };
  return {
    target: target.name,
    status: "ok",
    load,
    server: { cpuPercent: middle.cpuPercent, peakRss },
  };
}

function firstLines(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n").slice(0, 3).join(" / ");
}

function baseLoad(
  server: RunningServer,
  target: Target,
): Pick<LoadOptions, "host" | "port" | "codec"> {
  return { host: HOST, port: server.port, codec: target.codec };
}

export async function runIdle(
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

export async function runPipeline(
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
export async function measureBaselines(): Promise<{ node: number | null; tsx: number | null }> {
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
