// From results to tables: one per scenario, the ratios between targets, the
// scaling figures and the issue's goals. The same rows feed the terminal
// report (here) and docs/benchmarks.md (markdown.ts).
import os from "node:os";
import {
  formatCount,
  formatLatency,
  formatMb,
  formatMs,
  formatPercent,
  formatRatio,
  textTable,
} from "./format.ts";
import type { BenchResults, RunResult, ScenarioResult } from "./results.ts";
import { describeRounds, type Scenario } from "./scenarios.ts";
import type { TargetName } from "./targets.ts";

export const SHORT: Record<TargetName, string> = {
  "phase2-framing": "phase2",
  "phase3-eventloop": "phase3",
  floor: "floor",
  redis: "redis",
};

export function describeScenario(s: Scenario): string {
  const size = s.payloadSize >= 1024 ? `${s.payloadSize / 1024} KiB` : `${s.payloadSize}-byte`;
  const conns = `${formatCount(s.connections)} connection${s.connections === 1 ? "" : "s"}`;
  return `${conns}, ${s.inFlight} in flight each, ${size} payloads`;
}

export const SCENARIO_HEADER = [
  "target",
  "req/s",
  "p50",
  "p99",
  "max",
  "errors",
  "starved",
  "server CPU",
  "peak RSS",
  "loadgen CPU",
];

/** One row per target that ran (or could not) in this scenario. */
export function scenarioRows(result: ScenarioResult): string[][] {
  return result.runs.map((run) => {
    const { load, server } = run;
    if (run.status === "n/a" || !load) {
      return [run.target, `${run.status} (${run.note ?? "?"})`, "", "", "", "", "", "", "", ""];
    }
    const target = run.status === "failed" ? `${run.target} (failed)` : run.target;
    return [
      target,
      formatCount(load.requestsPerSecond),
      formatLatency(load.latency.p50),
      formatLatency(load.latency.p99),
      formatLatency(load.latency.max),
      formatCount(load.errorCount),
      load.starved === 0 ? "0" : `${formatCount(load.starved)} of ${formatCount(load.connections)}`,
      formatPercent(server?.cpuPercent ?? null),
      formatMb(server?.peakRss ?? null),
      formatPercent(load.clientCpuPercent),
    ];
  });
}

/** Lines under a scenario's table: why runs failed, and the first errors seen. */
export function scenarioNotes(result: ScenarioResult): string[] {
  const notes: string[] = [];
  for (const run of result.runs) {
    if (run.status === "failed") notes.push(`${run.target} failed: ${run.note ?? "?"}`);
    for (const sample of run.load?.errorSamples ?? []) notes.push(`${run.target}: ${sample}`);
  }
  return notes;
}

function rps(run: RunResult | undefined): number | null {
  return run?.status === "ok" && run.load ? run.load.requestsPerSecond : null;
}

export interface Ratio {
  label: string;
  value: number | null;
}

/** phase3 / each other target that ran, in requests per second. */
export function ratios(result: ScenarioResult): Ratio[] {
  const by = (name: TargetName) => result.runs.find((r) => r.target === name);
  const phase3 = by("phase3-eventloop");
  if (!phase3) return [];
  const out: Ratio[] = [];
  for (const other of ["phase2-framing", "floor", "redis"] as const) {
    const run = by(other);
    if (!run) continue;
    const mine = rps(phase3);
    const theirs = rps(run);
    out.push({
      label: `phase3/${SHORT[other]}`,
      value: mine !== null && theirs !== null && theirs > 0 ? mine / theirs : null,
    });
  }
  return out;
}

/** The overview: requests/s of every target per scenario, then the ratios. */
export function summaryTable(results: BenchResults): { header: string[]; rows: string[][] } {
  const names = results.targets.filter((t) => t.available).map((t) => t.name);
  const ratioLabels = results.scenarios[0] ? ratios(results.scenarios[0]).map((r) => r.label) : [];
  const header = ["scenario", ...names.map((n) => `${SHORT[n]} req/s`), ...ratioLabels];
  const rows = results.scenarios.map((s) => [
    s.scenario.title,
    ...names.map((name) => {
      const run = s.runs.find((r) => r.target === name);
      const value = rps(run);
      return value === null ? (run?.status ?? "-") : formatCount(value);
    }),
    ...ratios(s).map((r) => formatRatio(r.value)),
  ]);
  return { header, rows };
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
  /** null: not measured, or not judged (a --quick run). */
  met: boolean | null;
}

/** The issue's targets for phase 3, checked against this run's numbers. */
export function goals(results: BenchResults): Goal[] {
  const out: Goal[] = [];
  const floorRatios = results.scenarios.map((s) => ({
    title: s.scenario.title,
    value: ratios(s).find((r) => r.label === "phase3/floor")?.value ?? null,
  }));
  const known = floorRatios.filter((r): r is { title: string; value: number } => r.value !== null);
  const worst = known.reduce<{ title: string; value: number } | null>(
    (a, b) => (a === null || b.value < a.value ? b : a),
    null,
  );
  out.push({
    goal: "phase 3 at or above the floor in every scenario (phase3/floor >= 1.0)",
    measured: worst
      ? `lowest ${formatRatio(worst.value)} (${worst.title}); below 1.0 in ${known.filter((r) => r.value < 1).length} of ${known.length}`
      : "not measured",
    met: worst ? worst.value >= 1 : null,
  });
  const fifty = results.scenarios.find((s) => s.scenario.id === "50-clients");
  const vsPhase2 = fifty
    ? (ratios(fifty).find((r) => r.label === "phase3/phase2")?.value ?? null)
    : null;
  // For scale: how far the floor itself gets past phase 2 on this machine.
  const floorRps = rps(fifty?.runs.find((r) => r.target === "floor"));
  const phase2Rps = rps(fifty?.runs.find((r) => r.target === "phase2-framing"));
  const floorNote =
    floorRps !== null && phase2Rps ? ` (floor/phase2: ${formatRatio(floorRps / phase2Rps)})` : "";
  out.push({
    goal: "phase 3 at least 10x phase 2 at 50 clients",
    measured: vsPhase2 === null ? "not measured" : `${formatRatio(vsPhase2)}${floorNote}`,
    met: vsPhase2 === null ? null : vsPhase2 >= 10,
  });
  const idle = results.idle.find((r) => r.target === "phase3-eventloop");
  const full = results.settings.idleConnections >= 10_000;
  const allOpen = idle !== undefined && idle.open >= idle.connections;
  // For scale: the floor with the same connections, and what tsx would add.
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
  // A --quick run is a smoke test: its half-second rounds judge nothing.
  return results.settings.mode === "quick" ? out.map((g) => ({ ...g, met: null })) : out;
}

export function verdict(goal: Goal): string {
  if (goal.met !== null) return goal.met ? "met" : "missed";
  return goal.measured === "not measured" ? "-" : "not judged (--quick)";
}

/**
 * Other work was running when the bench started: a load average above a
 * quarter of the cores. (At the end the bench's own server and load
 * generator keep it near 2, so only the start tells.)
 */
export function busy(results: Pick<BenchResults, "loadAverage" | "machine">): boolean {
  return results.loadAverage.start > results.machine.cores / 4;
}

/** The whole report for the terminal. */
export function textReport(results: BenchResults): string {
  const out: string[] = [];
  for (const s of results.scenarios) {
    out.push("", `${s.scenario.title}: ${describeScenario(s.scenario)}`);
    out.push(textTable(SCENARIO_HEADER, scenarioRows(s)));
    const r = ratios(s);
    if (r.length > 0)
      out.push(`  ${r.map((x) => `${x.label} ${formatRatio(x.value)}`).join("   ")}`);
    for (const note of scenarioNotes(s)) out.push(`  ! ${note}`);
  }
  if (results.idle.length > 0) {
    out.push(
      "",
      `${formatCount(results.settings.idleConnections)} idle connections (each answered one request, then held open)`,
    );
    out.push(textTable(IDLE_HEADER, idleRows(results)));
    const { node, tsx } = results.baselineRss;
    if (node !== null && tsx !== null) {
      out.push(
        `  (a Node process doing nothing: ${formatMb(node)}; under tsx, as \`pnpm start\` runs it: ${formatMb(tsx)})`,
      );
    }
  }
  if (results.pipeline.length > 0) {
    out.push(
      "",
      `One connection, whole pipeline in one write (median of ${results.settings.pipelineRepeats})`,
    );
    out.push(textTable(pipelineHeader(results), pipelineRows(results)));
  }
  const summary = summaryTable(results);
  out.push("", "Summary (requests per second)", textTable(summary.header, summary.rows));
  out.push("", "Goals for phase 3 (issue 5)");
  out.push(
    textTable(
      ["goal", "measured", "verdict"],
      goals(results).map((g) => [g.goal, g.measured, verdict(g)]),
      3,
    ),
  );
  if (busy(results)) {
    out.push(
      "",
      `note: load average ${results.loadAverage.start.toFixed(1)} before the run: other work shared the cores, so expect noise`,
    );
  }
  out.push("");
  return out.join("\n");
}

/** Lines printed before the run: the machine, pinning and which targets run. */
export function preamble(
  results: Pick<BenchResults, "machine" | "pinning" | "fdNote" | "targets" | "settings">,
): string {
  const m = results.machine;
  const lines = [
    `machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGb} GB, ${m.os}, Node ${m.node}`,
    `${results.pinning}; ${results.fdNote}`,
    `each scenario: servers started afresh, ${describeRounds(results.settings)}`,
  ];
  const load = os.loadavg()[0] ?? 0;
  if (busy({ loadAverage: { start: load, end: load }, machine: m })) {
    lines.push(
      `note: the machine is busy (load average ${load.toFixed(1)} on ${m.cores} cores): numbers will be noisy`,
    );
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
      if (run.status === "failed") out.push(`${run.target} failed in "${s.scenario.title}"`);
      else if (run.load && run.load.errorCount > 0) {
        out.push(`${run.target} had ${run.load.errorCount} reply errors in "${s.scenario.title}"`);
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
