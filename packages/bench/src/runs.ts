// The measurements: each kind of scenario against its targets, idle
// connections, pipelines, and the memory of an idle Node process. Each
// starts the servers it needs and stops them by pid when it is done,
// whatever happens.
import v8 from "node:v8";
import { cpuPercent, cpuPerRequest, isLoadgenBound } from "./cpu.ts";
import type { LoadErrors, LoadOptions, LoadResult } from "./loadgen.ts";
import { launchNode, tsxLoader } from "./process.ts";
import type { IdleResult, KeyMemory, PipelineResult, RunResult, ServerStats } from "./results.ts";
import {
  echoWorkload,
  type FairnessScenario,
  type FixedRateScenario,
  type RehashScenario,
  repliesOf,
  type Settings,
  type ThroughputScenario,
  throughputWorkload,
  type ZsetScenario,
} from "./scenarios.ts";
import { memoryOf } from "./system.ts";
import type { RunningServer, StartOptions, Target, TargetName } from "./targets.ts";
import type { Job, LoadWorker } from "./worker.ts";
import type { WorkloadSpec } from "./workloads.ts";

const HOST = "127.0.0.1";

/**
 * Where the runs get their servers. A full run starts every server afresh
 * for each scenario (each figure's peak RSS is its own); a --quick run keeps
 * them from one scenario to the next, since starting processes would be
 * most of its time.
 */
export interface ServerPool {
  get(target: Target): Promise<RunningServer>;
  /** Done with it for this scenario. */
  release(server: RunningServer): Promise<void>;
  /** Stops every server still running. */
  close(): Promise<void>;
}

export function serverPool(startOptions: StartOptions, reuse: boolean): ServerPool {
  const kept = new Map<Target, RunningServer>();
  return {
    async get(target) {
      const server = kept.get(target);
      if (server && server.exitNote() === null) return server;
      const fresh = await target.start(startOptions);
      if (reuse) kept.set(target, fresh);
      return fresh;
    },
    async release(server) {
      if (!reuse || server.exitNote() !== null) await server.stop();
    },
    async close() {
      for (const server of kept.values()) await server.stop();
      kept.clear();
    },
  };
}

export interface ScenarioContext {
  servers: ServerPool;
  worker: LoadWorker;
  /** A second load generator process, for the polite client of the fairness figure. */
  secondWorker(): Promise<LoadWorker>;
  settings: Settings;
  startOptions: StartOptions;
  /** Throws when the user pressed Ctrl-C. */
  checkStop(): void;
  /** Reports progress: one call per round. */
  tick(what: string): void;
}

/** The server's CPU figures over a load's measured window (null parts when /proc is missing). */
export function serverStats(load: LoadResult, peakRss: number | null): ServerStats {
  const t = load.serverTicks;
  if (!t) return { cpuPercent: null, cpuPerRequest: null, peakRss };
  const w = { ...t, elapsedMs: load.elapsedMs, requests: load.replies };
  return { cpuPercent: cpuPercent(w), cpuPerRequest: cpuPerRequest(w), peakRss };
}

/** A finished run: the server's figures, the load generator's cost, and whether it was the limit. */
export function runResult(
  target: Target,
  load: LoadResult,
  running: RunningServer,
  memory = running.memory(),
): RunResult {
  const server = serverStats(load, memory?.peakRss ?? null);
  return {
    target: target.name,
    status: "ok",
    load,
    server,
    loadgenCpuPerRequest: load.replies > 0 ? load.clientCpuMicros / load.replies : null,
    loadgenBound: isLoadgenBound(load.clientCpuPercent, server.cpuPercent),
  };
}

/**
 * Starts each target's server once, runs `measure` on each in turn
 * (`rounds` times, round by round across the targets, so a burst of other
 * work on the machine hits one round rather than one target), and turns
 * each target's rounds into one result with `summarise`. A server that
 * fails to start or dies is a "failed" row with the reason.
 */
async function acrossTargets(
  ctx: ScenarioContext,
  targets: Target[],
  title: string,
  rounds: number,
  measure: (target: Target, server: RunningServer) => Promise<RunResult>,
  summarise: (results: RunResult[]) => RunResult | undefined,
): Promise<RunResult[]> {
  const done = new Map<TargetName, RunResult>();
  const servers = new Map<Target, RunningServer>();
  const results = new Map<Target, RunResult[]>();
  try {
    for (const target of targets) {
      try {
        servers.set(target, await ctx.servers.get(target));
        results.set(target, []);
      } catch (err: unknown) {
        done.set(target.name, { target: target.name, status: "failed", note: firstLines(err) });
      }
    }
    for (let round = 1; round <= rounds; round++) {
      for (const [target, server] of servers) {
        if (done.has(target.name)) continue;
        ctx.checkStop();
        ctx.tick(
          rounds === 1
            ? `${title}: ${target.name}`
            : `${title}: ${target.name}, round ${round} of ${rounds}`,
        );
        results.get(target)?.push(await measure(target, server));
        const exit = server.exitNote();
        if (exit) done.set(target.name, { target: target.name, status: "failed", note: exit });
      }
    }
    for (const [target] of servers) {
      const failed = done.get(target.name);
      const result = summarise(results.get(target) ?? []) ?? {
        target: target.name,
        status: "failed" as const,
        note: "no round was measured",
      };
      done.set(target.name, failed ? { ...result, ...failed } : result);
    }
  } finally {
    for (const server of servers.values()) await ctx.servers.release(server);
  }
  return targets.flatMap((t) => done.get(t.name) ?? []);
}

/** A closed loop, as fast as the server answers: the throughput scenarios. */
export function runThroughput(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: ThroughputScenario,
): Promise<RunResult[]> {
  const { settings } = ctx;
  return acrossTargets(
    ctx,
    targets,
    scenario.title,
    settings.rounds,
    async (target, server) => {
      const load = await ctx.worker.run({
        ...base(server, throughputWorkload(scenario, target.protocol)),
        connections: scenario.connections,
        inFlight: scenario.inFlight,
        warmupMs: settings.warmupMs,
        warmupStallMs: settings.warmupStallMs,
        durationMs: settings.durationMs,
        graceMs: settings.graceMs,
      });
      return runResult(target, load, server);
    },
    medianRound,
  );
}

/** An open loop at a fixed rate: latency at the same offered load. */
export function runFixedRate(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: FixedRateScenario,
  spin: boolean,
): Promise<RunResult[]> {
  const { settings } = ctx;
  return acrossTargets(
    ctx,
    targets,
    scenario.title,
    1,
    async (target, server) => {
      const load = await ctx.worker.run({
        ...base(server, echo(target, scenario.payloadSize)),
        connections: scenario.connections,
        rate: scenario.rate,
        // A cap on unanswered requests per connection, far above what a
        // server keeping up has in flight (rate x latency / connections).
        inFlight: 10_000,
        spin,
        warmupMs: settings.warmupMs,
        warmupStallMs: settings.warmupStallMs,
        durationMs: settings.latencyMs,
        graceMs: settings.graceMs,
      });
      return runResult(target, load, server);
    },
    (runs) => runs[0],
  );
}

/**
 * Starts `load` on the main load generator, for a second client to run
 * beside it, and resolves once it measures, or with its result (`ended`)
 * if it finished first (a server that failed at once).
 */
async function startMeasuring(
  ctx: ScenarioContext,
  load: LoadOptions,
): Promise<{ job: Job; ended: LoadResult | null }> {
  let measuring: () => void = () => {};
  const underWay = new Promise<null>((resolve) => {
    measuring = () => resolve(null);
  });
  const job = ctx.worker.start(load, { onMeasureStart: () => measuring() });
  return { job, ended: await Promise.race([underWay, job.result]) };
}

/**
 * The fairness figure: a greedy client keeps `greedyInFlight` requests in
 * flight on one connection (it never waits), and once it is under way a
 * polite client on another connection, in a load generator process of its
 * own, sends one request at a time, each after the reply to the last. The
 * polite client's latency is what a flood costs everyone else.
 */
export function runFairness(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: FairnessScenario,
): Promise<RunResult[]> {
  const { settings } = ctx;
  return acrossTargets(
    ctx,
    targets,
    scenario.title,
    1,
    async (target, server) => {
      const polite = await ctx.secondWorker();
      const greedy = await startMeasuring(ctx, {
        ...base(server, echo(target, scenario.payloadSize)),
        connections: 1,
        // A --quick run owes fewer replies when the greedy client stops.
        inFlight: settings.mode === "quick" ? scenario.greedyInFlight / 8 : scenario.greedyInFlight,
        warmupMs: settings.warmupMs,
        durationMs: null,
        // The replies due when it stops: a slow server may owe many.
        graceMs: 30_000,
      });
      if (greedy.ended) return runResult(target, greedy.ended, server);
      let politeLoad: LoadResult;
      try {
        politeLoad = await polite.run({
          ...base(server, echo(target, scenario.payloadSize)),
          connections: 1,
          inFlight: 1,
          warmupMs: 0,
          durationMs: settings.latencyMs,
          graceMs: 30_000,
        });
      } finally {
        greedy.job.stop();
      }
      const greedyLoad = await greedy.job.result;
      return {
        ...runResult(target, greedyLoad, server),
        polite: politeLoad,
        // The polite client sets the pace of nothing: no bound marking.
        loadgenBound: false,
      };
    },
    (runs) => runs[0],
  );
}

/**
 * The phase 5 figure: one client inserts `keys` new keys as fast as it can
 * (pipelined), while a second client, in the other load generator process,
 * gets one key every millisecond (an open loop) until the inserts are done.
 * A store that rehashes everything at once when it grows stalls every client
 * for the whole rehash: the probe's worst latencies show it. Also the memory
 * each key costs, and how many keys the server could hold.
 */
export function runRehash(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: RehashScenario,
): Promise<RunResult[]> {
  const { settings } = ctx;
  const keys = settings.mode === "quick" ? scenario.quickKeys : scenario.keys;
  return acrossTargets(
    ctx,
    targets,
    scenario.title,
    1,
    async (target, server) => {
      const prober = await ctx.secondWorker();
      const replies = repliesOf(target.protocol);
      const rssBefore = server.memory()?.rss ?? null;
      const inserter = await startMeasuring(ctx, {
        ...base(server, { kind: "kv-insert", replies, valueSize: scenario.valueSize }),
        connections: 1,
        inFlight: scenario.inFlight,
        requestsPerConnection: keys,
        warmupMs: 0,
        durationMs: INSERT_LIMIT_MS,
        graceMs: settings.graceMs,
      });
      if (inserter.ended) return runResult(target, inserter.ended, server);
      const probe = prober.start({
        host: HOST,
        port: server.port,
        workload: { kind: "kv-probe", replies },
        connections: 1,
        rate: scenario.probeRate,
        inFlight: 100_000,
        warmupMs: 0,
        durationMs: null,
        graceMs: 30_000,
      });
      let inserted: LoadResult;
      try {
        inserted = await inserter.job.result;
      } finally {
        probe.stop();
      }
      const probed = await probe.result;
      const memory = server.memory();
      return {
        ...runResult(target, inserted, server, memory),
        probe: probed,
        keyMemory: keyMemory(target, inserted.good, rssBefore, memory?.rss ?? null),
      };
    },
    (runs) => runs[0],
  );
}

/** How long the inserts may take before the ones not answered count as missing. */
const INSERT_LIMIT_MS = 300_000;

/**
 * Memory per key from the RSS growth, and the keys the server could hold:
 * its store's own limit (a V8 Map takes 2^24 entries), or the V8 heap limit
 * over the memory per key, whichever is lower. The heap limit is this
 * process's: the servers run on the same node with the same defaults.
 */
export function keyMemory(
  target: Pick<Target, "maxKeys">,
  keys: number,
  rssBefore: number | null,
  rssAfter: number | null,
  heapLimit = v8.getHeapStatistics().heap_size_limit,
): KeyMemory {
  const bytesPerKey =
    rssBefore !== null && rssAfter !== null && keys > 0
      ? Math.max(0, rssAfter - rssBefore) / keys
      : null;
  const byHeap = bytesPerKey ? Math.floor(heapLimit / bytesPerKey) : null;
  const byStore = target.maxKeys ?? null;
  const mb = `${Math.round(heapLimit / 1e6).toLocaleString("en-US")} MB`;
  if (byStore !== null && (byHeap === null || byStore <= byHeap)) {
    return {
      keys,
      rssBefore,
      rssAfter,
      bytesPerKey,
      capacity: byStore,
      capacityNote: "the store's own limit",
    };
  }
  return {
    keys,
    rssBefore,
    rssAfter,
    bytesPerKey,
    capacity: byHeap,
    capacityNote: byHeap === null ? "unknown" : `the ${mb} V8 heap limit over the memory per key`,
  };
}

/**
 * The phase 8 figure: `members` zadds into one sorted set (one connection,
 * pipelined), then zquery from rank 0 and from rank members/2, each a
 * closed loop of `connections` clients. An order-statistic tree finds rank
 * k in O(log n), so both should cost about the same per request; a list
 * walked from the start would cost members/2 steps more.
 */
export async function runZset(
  ctx: ScenarioContext,
  targets: Target[],
  scenario: ZsetScenario,
): Promise<RunResult[]> {
  const { settings } = ctx;
  const members = settings.mode === "quick" ? scenario.quickMembers : scenario.members;
  const offsets = [0, Math.floor(members / 2)];
  const out: RunResult[] = [];
  for (const target of targets) {
    ctx.checkStop();
    ctx.tick(`${scenario.title}: ${target.name}`);
    let server: RunningServer;
    try {
      server = await ctx.servers.get(target);
    } catch (err: unknown) {
      out.push({ target: target.name, status: "failed", note: firstLines(err) });
      continue;
    }
    try {
      const added = await ctx.worker.run({
        ...base(server, { kind: "zadd" }),
        connections: 1,
        inFlight: 1000,
        requestsPerConnection: members,
        warmupMs: 0,
        durationMs: INSERT_LIMIT_MS,
        graceMs: settings.graceMs,
      });
      out.push({
        ...runResult(target, added, server),
        step: `zadd of ${members.toLocaleString("en-US")} members`,
      });
      const rounds = new Map<number, RunResult[]>(offsets.map((o) => [o, []]));
      for (let round = 0; round < settings.rounds; round++) {
        for (const offset of offsets) {
          ctx.checkStop();
          const load = await ctx.worker.run({
            ...base(server, { kind: "zquery", offset, limit: scenario.limit, members }),
            connections: scenario.connections,
            inFlight: 1,
            warmupMs: settings.warmupMs,
            warmupStallMs: settings.warmupStallMs,
            durationMs: settings.durationMs,
            graceMs: settings.graceMs,
          });
          rounds.get(offset)?.push(runResult(target, load, server));
        }
      }
      for (const offset of offsets) {
        const result = medianRound(rounds.get(offset) ?? []);
        if (result)
          out.push({ ...result, step: `zquery at offset ${offset.toLocaleString("en-US")}` });
      }
      const exit = server.exitNote();
      if (exit) out.push({ target: target.name, status: "failed", note: exit });
    } finally {
      await ctx.servers.release(server);
    }
  }
  return out;
}

/** The round with the median server CPU per request, carrying the errors of every round. */
function medianRound(rounds: RunResult[]): RunResult | undefined {
  const cost = (r: RunResult) => r.server?.cpuPerRequest ?? r.load?.requestsPerSecond ?? 0;
  const sorted = [...rounds].sort((a, b) => cost(a) - cost(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!middle?.load) return middle;
  const errors: LoadErrors = { wrongReply: 0, missingReply: 0, closedEarly: 0, connectFailed: 0 };
  for (const { load } of rounds) {
    if (!load) continue;
    for (const kind of Object.keys(errors) as (keyof LoadErrors)[])
      errors[kind] += load.errors[kind];
  }
  const loads = rounds.flatMap((r) => (r.load ? [r.load] : []));
  return {
    ...middle,
    load: {
      ...middle.load,
      errors,
      errorCount: loads.reduce((sum, l) => sum + l.errorCount, 0),
      errorSamples: loads.flatMap((l) => l.errorSamples).slice(0, 5),
      starved: Math.max(...loads.map((l) => l.starved)),
    },
  };
}

function firstLines(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n").slice(0, 3).join(" / ");
}

/** Where the load goes, what it sends, and whose CPU time to read. */
function base(
  server: RunningServer,
  workload: WorkloadSpec,
): Pick<LoadOptions, "host" | "port" | "workload" | "serverPid"> {
  return { host: HOST, port: server.port, workload, serverPid: server.pid };
}

/** The echo workload of `size`-byte payloads for this target. */
function echo(target: Target, size: number): WorkloadSpec {
  return echoWorkload(target.protocol, size);
}

export async function runIdle(ctx: ScenarioContext, target: Target): Promise<IdleResult> {
  const { worker, settings } = ctx;
  // Always a fresh server: its memory before the connections is the baseline.
  const server = await target.start(ctx.startOptions);
  try {
    const rssBefore = server.memory()?.rss ?? null;
    let rssAfter: number | null = null;
    let open = 0;
    const load = await worker.run(
      {
        ...base(server, echo(target, settings.payloadSize)),
        connections: settings.idleConnections,
        inFlight: 1,
        requestsPerConnection: 1,
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

export async function runPipeline(ctx: ScenarioContext, target: Target): Promise<PipelineResult> {
  const { worker, settings } = ctx;
  const server = await ctx.servers.get(target);
  const figure = { small: settings.pipelineSmall, large: settings.pipelineLarge };
  try {
    // One pipeline; a wrong, missing or late reply ends the figure (a server
    // that stalls once would make every repeat wait for the time limit).
    const pipe = async (count: number) => {
      const result = await worker.run({
        ...base(server, echo(target, settings.payloadSize)),
        connections: 1,
        inFlight: count,
        requestsPerConnection: count,
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
    await ctx.servers.release(server);
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
