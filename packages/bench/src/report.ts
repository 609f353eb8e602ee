// From results to tables: one per scenario (its columns depend on its
// kind), the ratios between targets, the load generator's own cost, the
// scaling figures and the goals. The same rows feed the terminal report
// (here), docs/benchmarks.md (markdown.ts) and the chart (chart.ts).
import os from "node:os";
import {
  formatCount,
  formatLatency,
  formatMb,
  formatMicros,
  formatMs,
  formatPercent,
  formatRatio,
  textTable,
} from "./format.ts";
import type { LoadResult } from "./loadgen.ts";
import type { BenchResults, RunResult, ScenarioResult } from "./results.ts";
import { describeRounds, KEYS_PER_CONNECTION, type Scenario } from "./scenarios.ts";
import { allTargets, type TargetName } from "./targets.ts";

/** "phase3" for "phase3-eventloop"; a name no target has stays as it is. */
export function short(name: TargetName): string {
  return allTargets.find((t) => t.name === name)?.short ?? name;
}

export const BOUND = "load-generator bound";

function payload(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size}-byte`;
}

/** One line: what the scenario does (with --quick's smaller sizes when `quick`). */
export function describeScenario(s: Scenario, quick = false): string {
  switch (s.kind) {
    case "throughput": {
      const conns = `${formatCount(s.connections)} connection${s.connections === 1 ? "" : "s"}`;
      const what =
        s.work === "echo"
          ? `${payload(s.payloadSize)} payloads`
          : `requests in the book's format on ${KEYS_PER_CONNECTION} keys of each connection's own, half set, half get, ${payload(s.payloadSize)} values`;
      return `${conns}, ${s.inFlight} in flight each, ${what}, as fast as the server answers`;
    }
    case "rehash": {
      const keys = formatCount(quick ? s.quickKeys : s.keys);
      return `one client sets ${keys} new keys (${s.valueSize}-byte values, ${formatCount(s.inFlight)} in flight) as fast as the server answers, while another, from another process, gets one key ${formatCount(s.probeRate)} times a second on schedule (open loop)`;
    }
    case "zset": {
      const members = quick ? s.quickMembers : s.members;
      return `one client adds ${formatCount(members)} members to one sorted set with zadd (pipelined, 1,000 in flight); then zquery for ${s.limit} elements from offset 0 and from offset ${formatCount(Math.floor(members / 2))}, ${s.connections} connections with one request in flight each`;
    }
    case "fixed-rate":
      return `${formatCount(s.rate)} requests/s in all over ${s.connections} connections, sent on schedule whether or not earlier ones were answered (open loop), ${payload(s.payloadSize)} payloads; latency counts from the time each request was due`;
    case "fairness":
      return `one greedy connection keeps ${formatCount(s.greedyInFlight)} ${payload(s.payloadSize)} requests in flight; a polite one, from another process, sends one request at a time and waits for each reply`;
  }
}

/** Which side set the pace of a throughput run. */
function limit(run: RunResult): string {
  if (run.loadgenBound) return BOUND;
  return (run.server?.cpuPercent ?? 0) >= 90 ? "server bound" : "";
}

function failedRow(run: RunResult, width: number): string[] {
  const cells = Array.from({ length: width }, () => "");
  cells[0] = run.target;
  cells[1] = `${run.status} (${run.note ?? "?"})`;
  return cells;
}

export const THROUGHPUT_HEADER = [
  "target",
  "CPU/request",
  "req/s",
  "p50",
  "p99",
  "max",
  "errors",
  "starved",
  "server CPU",
  "loadgen CPU",
  "peak RSS",
  "limit",
];

export function throughputRows(result: ScenarioResult): string[][] {
  return result.runs.map((run) => {
    const { load, server } = run;
    if (!load) return failedRow(run, THROUGHPUT_HEADER.length);
    return [
      run.status === "failed" ? `${run.target} (failed)` : run.target,
      formatMicros(server?.cpuPerRequest ?? null),
      formatCount(load.requestsPerSecond),
      formatLatency(load.latency.p50),
      formatLatency(load.latency.p99),
      formatLatency(load.latency.max),
      formatCount(load.errorCount),
      load.starved === 0 ? "0" : `${formatCount(load.starved)} of ${formatCount(load.connections)}`,
      formatPercent(server?.cpuPercent ?? null),
      formatPercent(load.clientCpuPercent),
      formatMb(server?.peakRss ?? null),
      limit(run),
    ];
  });
}

export const FIXED_RATE_HEADER = [
  "target",
  "req/s",
  "p50",
  "p99",
  "p99.9",
  "max",
  "send lag p99",
  "errors",
  "server CPU",
  "CPU/request",
];

export function fixedRateRows(result: ScenarioResult): string[][] {
  return result.runs.map((run) => {
    const { load, server } = run;
    if (!load) return failedRow(run, FIXED_RATE_HEADER.length);
    return [
      run.status === "failed" ? `${run.target} (failed)` : run.target,
      formatCount(load.requestsPerSecond),
      formatLatency(load.latency.p50),
      formatLatency(load.latency.p99),
      formatLatency(load.latency.p999),
      formatLatency(load.latency.max),
      load.sendLag ? formatLatency(load.sendLag.p99) : "?",
      formatCount(load.errorCount),
      formatPercent(server?.cpuPercent ?? null),
      formatMicros(server?.cpuPerRequest ?? null),
    ];
  });
}

/** One latency figure of a run, or "-" when no request of the window was answered. */
function latencyOf(load: LoadResult, key: "p50" | "p99" | "p999" | "max"): string {
  return load.latency.count > 0 ? formatLatency(load.latency[key]) : "-";
}

export const FAIRNESS_HEADER = [
  "target",
  "polite p50",
  "polite p99",
  "polite max",
  "polite requests",
  "greedy req/s",
  "server CPU",
  "errors",
];

export function fairnessRows(result: ScenarioResult): string[][] {
  return result.runs.map((run) => {
    const { load, polite, server } = run;
    if (!load || !polite) return failedRow(run, FAIRNESS_HEADER.length);
    return [
      run.status === "failed" ? `${run.target} (failed)` : run.target,
      latencyOf(polite, "p50"),
      latencyOf(polite, "p99"),
      latencyOf(polite, "max"),
      formatCount(polite.latency.count),
      formatCount(load.requestsPerSecond),
      formatPercent(server?.cpuPercent ?? null),
      formatCount(load.errorCount + polite.errorCount),
    ];
  });
}

export const REHASH_HEADER = [
  "target",
  "inserts/s",
  "CPU/insert",
  "probe p50",
  "probe p99",
  "probe p99.9",
  "probe max",
  "peak RSS",
  "memory/key",
  "holds at most",
  "errors",
];

export function rehashRows(result: ScenarioResult): string[][] {
  return result.runs.map((run) => {
    const { load, probe, server, keyMemory: mem } = run;
    if (!load || !probe) return failedRow(run, REHASH_HEADER.length);
    const perKey = mem?.bytesPerKey ?? null;
    return [
      run.status === "failed" ? `${run.target} (failed)` : run.target,
      formatCount(load.requestsPerSecond),
      formatMicros(server?.cpuPerRequest ?? null),
      latencyOf(probe, "p50"),
      latencyOf(probe, "p99"),
      latencyOf(probe, "p999"),
      latencyOf(probe, "max"),
      formatMb(server?.peakRss ?? null),
      perKey === null ? "?" : `${formatCount(perKey)} B`,
      mem?.capacity == null ? "?" : `${formatCount(mem.capacity)} (${mem.capacityNote})`,
      formatCount(load.errorCount + probe.errorCount),
    ];
  });
}

/** Scenarios measured in steps: one row per step, named after it. */
function stepRows(result: ScenarioResult): string[][] {
  return throughputRows({
    ...result,
    runs: result.runs.map((r) => ({ ...r, target: r.step ? `${r.target}: ${r.step}` : r.target })),
  });
}

/** The table of a scenario, whatever its kind. */
export function scenarioTable(result: ScenarioResult): { header: string[]; rows: string[][] } {
  switch (result.scenario.kind) {
    case "throughput":
      return { header: THROUGHPUT_HEADER, rows: throughputRows(result) };
    case "fixed-rate":
      return { header: FIXED_RATE_HEADER, rows: fixedRateRows(result) };
    case "fairness":
      return { header: FAIRNESS_HEADER, rows: fairnessRows(result) };
    case "rehash":
      return { header: REHASH_HEADER, rows: rehashRows(result) };
    case "zset":
      return { header: THROUGHPUT_HEADER, rows: stepRows(result) };
  }
}

/** Lines under a scenario's table: why runs failed, and the first errors seen. */
export function scenarioNotes(result: ScenarioResult): string[] {
  const notes: string[] = [];
  for (const run of result.runs) {
    if (run.status === "failed") notes.push(`${run.target} failed: ${run.note ?? "?"}`);
    for (const load of [run.load, run.polite, run.probe]) {
      for (const sample of load?.errorSamples ?? []) notes.push(`${run.target}: ${sample}`);
    }
  }
  return notes;
}

function ok(run: RunResult | undefined): run is RunResult & { load: LoadResult } {
  return run?.status === "ok" && run.load !== undefined;
}

export interface Ratio {
  /** "phase3/floor" */
  label: string;
  /** Subject's CPU per request over the other's: below 1 means the subject is cheaper. */
  cpu: number | null;
  /** Subject's requests/s over the other's; null when either was load-generator bound. */
  rps: number | null;
  /** Why there is no requests/s ratio. */
  rpsNote?: string;
}

/** One run over another: CPU per request always, requests/s only when neither was bound. */
function ratio(label: string, subject: RunResult, other: RunResult): Ratio {
  const mine = ok(subject) ? (subject.server?.cpuPerRequest ?? null) : null;
  const theirs = ok(other) ? (other.server?.cpuPerRequest ?? null) : null;
  const cpu = mine !== null && theirs !== null && theirs > 0 ? mine / theirs : null;
  if (!ok(subject) || !ok(other)) return { label, cpu, rps: null, rpsNote: "not measured" };
  const bound = [subject, other].filter((r) => r.loadgenBound).map((r) => short(r.target));
  if (bound.length > 0) {
    return { label, cpu, rps: null, rpsNote: `${[...new Set(bound)].join(" and ")} ${BOUND}` };
  }
  const theirRps = other.load.requestsPerSecond;
  return { label, cpu, rps: theirRps > 0 ? subject.load.requestsPerSecond / theirRps : null };
}

/**
 * The scenario's subject against every other target that ran it (phase 3
 * against phase 2, the floor and Redis); for the sorted set, zquery at the
 * large offset against the small one.
 */
export function ratios(result: ScenarioResult): Ratio[] {
  if (result.scenario.kind === "zset") {
    const queries = result.runs.filter((r) => r.step?.startsWith("zquery"));
    const [small, large] = queries;
    if (!small || !large || small.target !== large.target) return [];
    const offset = (r: RunResult) => r.step?.replace("zquery at ", "") ?? "?";
    return [ratio(`${short(large.target)} ${offset(large)}/${offset(small)}`, large, small)];
  }
  if (result.scenario.kind !== "throughput") return [];
  const subjectName = result.scenario.subject;
  const subject = result.runs.find((r) => short(r.target) === subjectName);
  if (!subject) return [];
  return result.runs
    .filter((r) => r !== subject)
    .map((other) => ratio(`${subjectName}/${short(other.target)}`, subject, other));
}

/** "phase3/floor 1.08x CPU per request, 0.97x req/s" */
export function describeRatio(r: Ratio): string {
  const rps =
    r.rps === null ? `req/s ratio not drawn (${r.rpsNote ?? "?"})` : `${formatRatio(r.rps)} req/s`;
  return `${r.label}: ${formatRatio(r.cpu)} CPU per request, ${rps}`;
}

function throughputResults(results: BenchResults): ScenarioResult[] {
  return results.scenarios.filter((s) => s.scenario.kind === "throughput");
}

function targetsIn(results: ScenarioResult[]): TargetName[] {
  const names: TargetName[] = [];
  for (const s of results)
    for (const r of s.runs) if (!names.includes(r.target)) names.push(r.target);
  return names;
}

/** The headline: server CPU per request of every target per throughput scenario, then the ratios. */
export function summaryTable(results: BenchResults): { header: string[]; rows: string[][] } {
  const scenarios = throughputResults(results);
  const names = targetsIn(scenarios);
  const labels: string[] = [];
  for (const s of scenarios)
    for (const r of ratios(s)) if (!labels.includes(r.label)) labels.push(r.label);
  const header = ["scenario", ...names.map((n) => `${short(n)} µs`), ...labels];
  const rows = scenarios.map((s) => {
    const r = ratios(s);
    return [
      s.scenario.title,
      ...names.map((name) => {
        const run = s.runs.find((x) => x.target === name);
        if (!run) return "-";
        return ok(run) ? formatMicros(run.server?.cpuPerRequest ?? null) : run.status;
      }),
      ...labels.map((label) => {
        const found = r.find((x) => x.label === label);
        return found ? formatRatio(found.cpu) : "-";
      }),
    ];
  });
  return { header, rows };
}

/** Requests/s of every target per throughput scenario, load-generator bound ones marked. */
export function throughputSummary(results: BenchResults): { header: string[]; rows: string[][] } {
  const scenarios = throughputResults(results);
  const names = targetsIn(scenarios);
  const header = ["scenario", ...names.map((n) => `${short(n)} req/s`)];
  const rows = scenarios.map((s) => [
    s.scenario.title,
    ...names.map((name) => {
      const run = s.runs.find((x) => x.target === name);
      if (!run) return "-";
      if (!ok(run)) return run.status;
      const rps = formatCount(run.load.requestsPerSecond);
      return run.loadgenBound ? `${rps} (${BOUND})` : rps;
    }),
  ]);
  return { header, rows };
}

export const CEILING_HEADER = [
  "scenario",
  "loadgen CPU/request",
  "ceiling (1 core)",
  "measured against the floor",
  "loadgen CPU",
];

/**
 * The load generator's own cost, measured against the floor (a server that
 * does nothing but reply): its CPU time per request, and the requests/s it
 * could send with its core to itself (1 s / CPU per request).
 */
export function ceilingRows(results: BenchResults): string[][] {
  return throughputResults(results).flatMap((s) => {
    const run = s.runs.find((r) => r.target === "floor");
    if (!ok(run) || !run.loadgenCpuPerRequest) return [];
    return [
      [
        s.scenario.title,
        formatMicros(run.loadgenCpuPerRequest),
        `${formatCount(1_000_000 / run.loadgenCpuPerRequest)} req/s`,
        `${formatCount(run.load.requestsPerSecond)} req/s`,
        formatPercent(run.load.clientCpuPercent),
      ],
    ];
  });
}

export const IDLE_HEADER = ["target", "open", "RSS before", "RSS with all open", "per connection"];

export function idleRows(results: BenchResults): string[][] {
  return results.idle.map((r) => {
    if (r.status !== "ok" && r.rssAfter === null) return [r.target, r.status, r.note ?? "", "", ""];
    const per =
      r.rssAfter !== null && r.rssBefore !== null && r.open > 0
        ? `${formatCount((r.rssAfter - r.rssBefore) / r.open)} B`
        : "?";
    return [
      r.target,
      `${formatCount(r.open)} of ${formatCount(r.connections)}`,
      formatMb(r.rssBefore),
      formatMb(r.rssAfter),
      per,
    ];
  });
}

export function pipelineHeader(results: BenchResults): string[] {
  const { pipelineSmall: small, pipelineLarge: large } = results.settings;
  return [
    "target",
    `${formatCount(small)} requests`,
    `${formatCount(large)} requests`,
    "ratio",
    "errors",
  ];
}

export function pipelineRows(results: BenchResults): string[][] {
  return results.pipeline.map((r) =>
    r.status !== "ok" && r.smallMs === 0
      ? [r.target, r.status, r.note ?? "", "", ""]
      : [
          r.target,
          formatMs(r.smallMs),
          formatMs(r.largeMs),
          r.ratio.toFixed(1),
          formatCount(r.errorCount),
        ],
  );
}

export interface Goal {
  goal: string;
  measured: string;
  /** null: not measured, not judged (a --quick run), or reported without a verdict. */
  met: boolean | null;
  /** A figure reported for comparison, never judged. */
  reportOnly?: boolean;
}

function runOf(s: ScenarioResult | undefined, name: TargetName): RunResult | undefined {
  return s?.runs.find((r) => r.target === name);
}

/** The goals for phase 3, checked against this run's numbers. */
export function goals(results: BenchResults): Goal[] {
  const out: Goal[] = [];
  // Phase 3's goals when phase 3 ran (not with --only phase4, say).
  if (!results.targets.some((t) => t.name === "phase3-eventloop" && t.available)) {
    const later = laterGoals(results);
    return results.settings.mode === "quick" ? later.map((g) => ({ ...g, met: null })) : later;
  }
  const throughput = throughputResults(results);
  const cpuRatios = (label: string) =>
    throughput.flatMap((s) => {
      const value = ratios(s).find((r) => r.label === label)?.cpu ?? null;
      return value === null ? [] : [{ title: s.scenario.title, value }];
    });

  // The safety rails (limits, backpressure, logging switched off) should cost nothing.
  const floor = cpuRatios("phase3/floor");
  const worst = floor.reduce<{ title: string; value: number } | null>(
    (a, b) => (a === null || b.value > a.value ? b : a),
    null,
  );
  out.push({
    goal: "phase 3's CPU per request at or below the floor's in every throughput scenario",
    measured: worst
      ? `highest phase3/floor ${formatRatio(worst.value)} (${worst.title}); above 1.00x in ${floor.filter((r) => r.value > 1).length} of ${floor.length}`
      : "not measured",
    met: worst ? worst.value <= 1 : null,
  });

  const redis = cpuRatios("phase3/redis");
  const lo = Math.min(...redis.map((r) => r.value));
  const hi = Math.max(...redis.map((r) => r.value));
  out.push({
    goal: "phase 3 against Redis: CPU per request (reported, not judged)",
    measured:
      redis.length === 0
        ? "not measured (run with --redis)"
        : `phase3/redis from ${formatRatio(lo)} to ${formatRatio(hi)} over ${redis.length} scenarios`,
    met: null,
    reportOnly: true,
  });

  // What the event loop bought: concurrency. Requests/s; when phase 3 was
  // load-generator bound its true figure is higher, so the ratio is a lower bound.
  const fifty = throughput.find((s) => s.scenario.id === "50-clients");
  const p3 = runOf(fifty, "phase3-eventloop");
  const p2 = runOf(fifty, "phase2-framing");
  let vsPhase2: Goal = {
    goal: "phase 3 at least 10x phase 2's requests/s at 50 clients",
    measured: "not measured",
    met: null,
  };
  if (ok(p3) && ok(p2) && p2.load.requestsPerSecond > 0) {
    const ratio = p3.load.requestsPerSecond / p2.load.requestsPerSecond;
    vsPhase2 = p3.loadgenBound
      ? {
          ...vsPhase2,
          measured: `at least ${formatRatio(ratio)} (phase 3 was ${BOUND}: a lower bound)`,
          met: ratio >= 10 ? true : null,
        }
      : { ...vsPhase2, measured: formatRatio(ratio), met: ratio >= 10 };
  }
  out.push(vsPhase2);

  const idle = results.idle.find((r) => r.target === "phase3-eventloop");
  const full = results.settings.idleConnections >= 10_000;
  const allOpen = idle !== undefined && idle.open >= idle.connections;
  const floorIdle = results.idle.find((r) => r.target === "floor")?.rssAfter ?? null;
  const { node, tsx } = results.baselineRss;
  const context = [
    floorIdle === null ? "" : `floor: ${formatMb(floorIdle)}`,
    node === null || tsx === null ? "" : `tsx would add ${formatMb(tsx - node)}`,
    full ? "" : "a --quick run holds fewer",
  ].filter((x) => x !== "");
  out.push({
    goal: "10,000 idle connections in at most 120 MB of server RSS",
    measured:
      idle?.rssAfter == null
        ? "not measured"
        : `${formatMb(idle.rssAfter)} with ${formatCount(idle.open)} open${context.length > 0 ? ` (${context.join("; ")})` : ""}`,
    met: idle?.rssAfter == null || !full ? null : allOpen && idle.rssAfter <= 120e6,
  });

  const pipe = results.pipeline.find((r) => r.target === "phase3-eventloop");
  const floorPipe = results.pipeline.find((r) => r.target === "floor");
  const pipeContext = floorPipe?.status === "ok" ? ` (floor: ${floorPipe.ratio.toFixed(1)})` : "";
  out.push({
    goal: "pipeline of 200,000 over one of 20,000 at most 12x",
    measured:
      pipe && pipe.status === "ok" ? `${pipe.ratio.toFixed(1)}${pipeContext}` : "not measured",
    met: pipe && pipe.status === "ok" ? pipe.ratio <= 12 : null,
  });

  // Fair under a flood: the polite client's p99 next to the floor's.
  const fairness = results.scenarios.find((s) => s.scenario.kind === "fairness");
  const politeP99 = (name: TargetName) => {
    const run = runOf(fairness, name);
    return ok(run) && run.polite && run.polite.latency.count > 0 ? run.polite.latency.p99 : null;
  };
  const floorP99 = politeP99("floor");
  for (const [name, what, factor] of [
    ["phase3-eventloop", "with --quiet, at or below the floor's", 1],
    ["phase3-logging", "with its default logging, within 2x of the floor's", 2],
  ] as const) {
    const mine = politeP99(name);
    out.push({
      goal: `under a greedy pipeliner, phase 3's polite-client p99 ${what}`,
      measured:
        mine === null || floorP99 === null
          ? "not measured"
          : `${formatLatency(mine)} vs the floor's ${formatLatency(floorP99)} (${formatRatio(mine / Math.max(1, floorP99))})`,
      met: mine === null || floorP99 === null ? null : mine <= factor * floorP99,
    });
  }
  out.push(...laterGoals(results));
  // A --quick run is a smoke test: its half-second rounds judge nothing.
  return results.settings.mode === "quick" ? out.map((g) => ({ ...g, met: null })) : out;
}

/** The goals of phases 4 to 8, for the phases that ran. */
function laterGoals(results: BenchResults): Goal[] {
  const out: Goal[] = [];
  const kvMix = results.scenarios.find((s) => s.scenario.id === "kv-mix");
  if (ok(runOf(kvMix, "phase4-kv")) && kvMix) {
    const r = ratios(kvMix).find((x) => x.label === "phase4/kv-floor")?.cpu ?? null;
    out.push({
      goal: "phase 4's CPU per request within 1.2x of the key-value floor's (get/set mix)",
      measured: r === null ? "not measured" : `phase4/kv-floor ${formatRatio(r)}`,
      met: r === null ? null : r <= 1.2,
    });
  }
  const rehash = results.scenarios.find((s) => s.scenario.kind === "rehash");
  if (rehash?.runs.some((r) => r.probe)) {
    const worst = rehash.runs.flatMap((run) =>
      run.status === "ok" && run.probe && run.probe.latency.count > 0
        ? [
            `${short(run.target)} max ${formatLatency(run.probe.latency.max)}, p99.9 ${formatLatency(run.probe.latency.p999)}`,
          ]
        : [],
    );
    out.push({
      goal: "while the store grows, another client's worst wait (phase 5's lesson; reported, not judged)",
      measured: worst.length > 0 ? worst.join("; ") : "not measured",
      met: null,
      reportOnly: true,
    });
  }
  const zset = results.scenarios.find((s) => s.scenario.kind === "zset");
  if (zset) {
    const r = ratios(zset)[0];
    out.push({
      goal: "zquery at a large offset costs about what it costs at offset 0 (phase 8; reported, not judged)",
      measured: r ? `${r.label}: ${formatRatio(r.cpu)} CPU per request` : "not measured",
      met: null,
      reportOnly: true,
    });
  }
  return out;
}

export function verdict(goal: Goal): string {
  if (goal.reportOnly) return "reported";
  if (goal.met !== null) return goal.met ? "met" : "missed";
  if (goal.measured.startsWith("not measured")) return "-";
  return goal.measured.includes(BOUND) ? "not judged" : "not judged (--quick)";
}

/** Other work was running when the bench started: a 1-minute load average above 0.5 per core. */
export function busy(results: Pick<BenchResults, "loadAverage" | "machine">): boolean {
  return results.loadAverage.start > 0.5 * results.machine.cores;
}

/** The whole report for the terminal. */
export function textReport(results: BenchResults): string {
  const out: string[] = [];
  for (const s of results.scenarios) {
    out.push(
      "",
      `${s.scenario.title}: ${describeScenario(s.scenario, results.settings.mode === "quick")}`,
    );
    const { header, rows } = scenarioTable(s);
    out.push(textTable(header, rows));
    for (const r of ratios(s)) out.push(`  ${describeRatio(r)}`);
    for (const note of scenarioNotes(s)) out.push(`  ! ${note}`);
  }
  const ceiling = ceilingRows(results);
  if (ceiling.length > 0) {
    out.push("", "The load generator against the floor (a server that does nothing but reply)");
    out.push(textTable(CEILING_HEADER, ceiling));
  }
  if (results.idle.length > 0) {
    out.push(
      "",
      `${formatCount(results.settings.idleConnections)} idle connections (each answered one request, then held open)`,
    );
    out.push(textTable(IDLE_HEADER, idleRows(results)));
  }
  if (results.pipeline.length > 0) {
    out.push(
      "",
      `One connection, whole pipeline in one write (median of ${results.settings.pipelineRepeats})`,
    );
    out.push(textTable(pipelineHeader(results), pipelineRows(results)));
  }
  const summary = summaryTable(results);
  if (summary.rows.length > 0) {
    out.push("", "Summary: server CPU time per request (lower is better), and the ratios");
    out.push(textTable(summary.header, summary.rows));
    const rps = throughputSummary(results);
    out.push("", "Requests per second", textTable(rps.header, rps.rows));
  }
  out.push("", "Goals");
  out.push(
    textTable(
      ["goal", "measured", "verdict"],
      goals(results).map((g) => [g.goal, g.measured, verdict(g)]),
      3,
    ),
  );
  if (busy(results)) out.push("", `note: ${busyNote(results)}`);
  out.push("");
  return out.join("\n");
}

export function busyNote(results: Pick<BenchResults, "loadAverage" | "machine">): string {
  return `the load average was ${results.loadAverage.start.toFixed(1)} on ${results.machine.cores} cores when the run started: other work shared the machine, so expect noise`;
}

/** Lines printed before the run: the machine, pinning and which targets run. */
export function preamble(
  results: Pick<BenchResults, "machine" | "pinning" | "fdNote" | "targets" | "settings">,
): string {
  const m = results.machine;
  const lines = [
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}, Node ${m.node}`,
    `${results.pinning}; ${results.fdNote}`,
    `each throughput scenario: servers started afresh, ${describeRounds(results.settings)}`,
  ];
  const load = os.loadavg()[0] ?? 0;
  if (busy({ loadAverage: { start: load, end: load }, machine: m })) {
    lines.push(`note: ${busyNote({ loadAverage: { start: load, end: load }, machine: m })}`);
  }
  for (const t of results.targets)
    lines.push(`${t.name}: ${t.available ? "runs" : `skipped (${t.note ?? "?"})`}`);
  return lines.join("\n");
}

/** What makes the run fail: reply errors and servers that failed, one phrase each. */
export function problems(results: BenchResults): string[] {
  const out: string[] = [];
  for (const s of results.scenarios) {
    for (const run of s.runs) {
      const errors = (run.load?.errorCount ?? 0) + (run.polite?.errorCount ?? 0);
      if (run.status === "failed") out.push(`${run.target} failed in "${s.scenario.title}"`);
      else if (errors > 0) {
        out.push(`${run.target} had ${errors} reply errors in "${s.scenario.title}"`);
      }
    }
  }
  for (const r of results.idle) {
    const errors = r.errors ? Object.values(r.errors).reduce((a, b) => a + b, 0) : 0;
    if (r.status === "failed") out.push(`${r.target} failed with idle connections`);
    else if (errors > 0) out.push(`${r.target} had ${errors} errors with idle connections`);
  }
  for (const r of results.pipeline) {
    if (r.status === "failed") out.push(`${r.target} failed the pipeline run`);
    else if (r.errorCount > 0)
      out.push(`${r.target} had ${r.errorCount} reply errors in the pipeline run`);
  }
  return out;
}
