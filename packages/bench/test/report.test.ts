import { describe, expect, it } from "vitest";
import { barChart } from "../src/chart.ts";
import type { LoadResult } from "../src/loadgen.ts";
import { benchmarkPage } from "../src/markdown.ts";
import {
  BOUND,
  busy,
  goals,
  problems,
  ratios,
  summaryTable,
  textReport,
  throughputSummary,
} from "../src/report.ts";
import type { BenchResults, RunResult, ScenarioResult } from "../src/results.ts";
import { scenarios, settingsFor } from "../src/scenarios.ts";

function load(rps: number, errors = 0, clientCpuPercent = 50): LoadResult {
  const latency = { count: rps, p50: 40, p99: 900, p999: 2000, max: 12_000, mean: 55 };
  return {
    connections: 50,
    connected: 50,
    starved: 0,
    sent: rps,
    replies: rps,
    good: rps,
    elapsedMs: 1000,
    requestsPerSecond: rps,
    latency,
    sendLag: null,
    errors: { wrongReply: errors, missingReply: 0, closedEarly: 0, connectFailed: 0 },
    errorCount: errors,
    closedBeforeReply: 0,
    dueAtStop: 0,
    errorSamples: errors > 0 ? ["connection 1: reply 3 does not match <its> request"] : [],
    clientCpuPercent,
    clientCpuMicros: clientCpuPercent * 10_000,
    serverTicks: null,
  };
}

interface Figures {
  /** Server CPU per request, µs. */
  us: number;
  rps: number;
  /** Mark the run load-generator bound. */
  bound?: boolean;
  errors?: number;
}

function run(target: string, f: Figures): RunResult {
  return {
    target,
    status: "ok",
    load: load(f.rps, f.errors ?? 0, f.bound ? 99 : 50),
    server: { cpuPercent: f.bound ? 60 : 95, cpuPerRequest: f.us, peakRss: 80e6 },
    loadgenCpuPerRequest: 10,
    loadgenBound: f.bound ?? false,
    polite: load(100),
  };
}

/** The echo throughput scenarios: phase 2, phase 3 and the floor run them. */
const throughput = scenarios.filter((s) => s.kind === "throughput" && s.work === "echo");

/** A made-up run: phase 2 costs 50 µs a request everywhere, phase 3 and the floor as given. */
function results(
  phase3: Figures[],
  floor: Figures[],
  more: Partial<BenchResults> = {},
): BenchResults {
  const scenarioResults: ScenarioResult[] = throughput.map((scenario, i) => ({
    scenario,
    runs: [
      run("phase2-framing", { us: 50, rps: 1000 }),
      run("phase3-eventloop", phase3[i] ?? { us: 1, rps: 1 }),
      run("floor", floor[i] ?? { us: 1, rps: 1 }),
    ],
  }));
  return {
    date: "2025-01-02T03:04:05.000Z",
    command: "pnpm bench",
    machine: { cpuModel: "Test CPU", cores: 2, node: "v20.0.0", os: "Linux", memoryGb: 8 },
    pinning: "not pinned (test)",
    fdNote: "open-files limit 1024",
    settings: settingsFor(false),
    targets: [
      { name: "phase2-framing", short: "phase2", available: true },
      { name: "phase3-eventloop", short: "phase3", available: true },
      { name: "floor", short: "floor", available: true },
      { name: "redis", short: "redis", available: false, note: "redis-server not on PATH" },
    ],
    scenarios: scenarioResults,
    idle: [],
    pipeline: [],
    baselineRss: { node: 45e6, tsx: 76e6 },
    loadAverage: { start: 0.1, end: 0.2 },
    seconds: 170,
    ...more,
  };
}

const same = (us: number, rps: number) => throughput.map(() => ({ us, rps }));

describe("ratios", () => {
  // The CPU ratio is phase 3's CPU per request over the other target's, from the same scenario.
  it("divides phase 3's CPU per request by each other target's", () => {
    const r = results(same(12, 30_000), same(10, 20_000));
    const first = r.scenarios[0];
    if (!first) throw new Error("no scenario");
    expect(ratios(first).map((x) => [x.label, x.cpu, x.rps])).toEqual([
      ["phase3/phase2", 12 / 50, 30],
      ["phase3/floor", 1.2, 1.5],
    ]);
  });

  // No requests/s ratio is drawn from a load-generator bound run; the CPU ratio stands.
  it("draws no throughput ratio from a load-generator bound run", () => {
    const r = results(same(12, 30_000), [{ us: 10, rps: 20_000, bound: true }]);
    const first = r.scenarios[0];
    if (!first) throw new Error("no scenario");
    const floor = ratios(first).find((x) => x.label === "phase3/floor");
    expect(floor?.cpu).toBeCloseTo(1.2, 9);
    expect(floor?.rps).toBeNull();
    expect(floor?.rpsNote).toBe(`floor ${BOUND}`);
  });
});

describe("goals", () => {
  // The floor goal is missed when phase 3 costs more anywhere, and names the worst scenario.
  it("names the scenario where phase 3 costs most over the floor", () => {
    const phase3 = [10, 10, 13, 10, 10].map((us) => ({ us, rps: 1000 }));
    const [floorGoal] = goals(results(phase3, same(11, 1000)));
    expect(floorGoal?.met).toBe(false);
    expect(floorGoal?.measured).toContain(`(${throughput[2]?.title})`);
    expect(floorGoal?.measured).toContain("above 1.00x in 1 of 5");
  });

  // Met when phase 3 never costs more than the floor.
  it("is met when phase 3 is never above the floor", () => {
    expect(goals(results(same(10, 1000), same(10, 1000)))[0]?.met).toBe(true);
  });

  // A load-generator bound phase 3 gives a lower bound on its speed-up over phase 2, not a verdict.
  it("reads a bound phase 3 against phase 2 as a lower bound", () => {
    const bound = results(
      [
        { us: 10, rps: 5000 },
        { us: 10, rps: 5000, bound: true },
      ],
      same(10, 1),
    );
    const vsPhase2 = goals(bound).find((g) => g.goal.includes("10x phase 2"));
    expect(vsPhase2?.measured).toContain("at least 5.00x");
    expect(vsPhase2?.met).toBeNull();
    const clear = results(
      [
        { us: 10, rps: 5000 },
        { us: 10, rps: 5000 },
      ],
      same(10, 1),
    );
    expect(goals(clear).find((g) => g.goal.includes("10x phase 2"))?.met).toBe(false);
  });

  // A --quick run is a smoke test: it shows the figures but judges no goal.
  it("judges nothing in a --quick run", () => {
    const quick = results(same(10, 1000), same(10, 1000), { settings: settingsFor(true) });
    expect(goals(quick).every((g) => g.met === null)).toBe(true);
  });
});

describe("phases 4 to 8", () => {
  const zset = scenarios.find((s) => s.kind === "zset");
  const rehash = scenarios.find((s) => s.kind === "rehash");
  const kvMix = scenarios.find((s) => s.id === "kv-mix");
  if (!zset || !rehash || !kvMix) throw new Error("missing scenario");
  const withLater = (): BenchResults => {
    const base = results(same(10, 1000), same(10, 1000));
    const step = (name: string, us: number) => ({
      ...run("phase8-zset", { us, rps: 1000 }),
      step: name,
    });
    const probed = (target: string, max: number): RunResult => ({
      ...run(target, { us: 3, rps: 100_000 }),
      probe: {
        ...load(1000),
        latency: { count: 1000, p50: 50, p99: 90, p999: max / 2, max, mean: 60 },
      },
    });
    return {
      ...base,
      scenarios: [
        ...base.scenarios,
        {
          scenario: kvMix,
          runs: [run("phase4-kv", { us: 11, rps: 1 }), run("kv-floor", { us: 10, rps: 1 })],
        },
        {
          scenario: rehash,
          runs: [probed("phase4-kv", 400_000), probed("phase5-hashtable", 3000)],
        },
        {
          scenario: zset,
          runs: [
            step("zadd of 1,000,000 members", 5),
            step("zquery at offset 0", 20),
            step("zquery at offset 500,000", 22),
          ],
        },
      ],
    };
  };

  // The sorted set's ratio is the large offset's CPU per request over the small one's.
  it("compares zquery at the large offset with the small one", () => {
    const r = withLater().scenarios.find((s) => s.scenario.kind === "zset");
    if (!r) throw new Error("no zset");
    const [ratio] = ratios(r);
    expect(ratio?.label).toBe("phase8 offset 500,000/offset 0");
    expect(ratio?.cpu).toBeCloseTo(1.1, 9);
  });

  // Phase 4 is judged against its floor; phase 5's latency and phase 8's offsets are reported.
  it("adds the goals of the phases that ran", () => {
    const g = goals(withLater());
    const kv = g.find((x) => x.goal.includes("key-value floor"));
    expect(kv?.measured).toBe("phase4/kv-floor 1.10x");
    expect(kv?.met).toBe(true);
    expect(g.find((x) => x.goal.includes("worst wait"))?.measured).toContain("phase5 max 3.00 ms");
    expect(g.find((x) => x.goal.includes("zquery"))?.met).toBeNull();
    // Without those phases, none of their goals.
    expect(
      goals(results(same(10, 1000), same(10, 1000)))
        .map((x) => x.goal)
        .join(),
    ).not.toMatch(/phase 4|zquery/);
  });

  // Every kind has its table in the page, and the chart a bar per row.
  it("writes their tables and bars", () => {
    const page = benchmarkPage(withLater(), "x.svg");
    expect(page.markdown).toMatch(/\| phase8-zset: zquery at offset 500,000 +\|/);
    expect(page.markdown).toContain("probe max");
    expect(page.svg).toContain("max 400.0 ms");
  });
});

describe("output", () => {
  // The summary has a row per throughput scenario and a CPU column per target that ran.
  it("summarises every throughput scenario", () => {
    const { header, rows } = summaryTable(results(same(10, 1000), same(10, 1000)));
    expect(header.slice(1, 4)).toEqual(["phase2 µs", "phase3 µs", "floor µs"]);
    expect(rows.map((r) => r[0])).toEqual(throughput.map((s) => s.title));
  });

  // A bound run is marked in the requests/s summary, the terminal table and the page.
  it("marks load-generator bound runs everywhere", () => {
    const r = results(same(10, 1000), [{ us: 10, rps: 20_000, bound: true }]);
    expect(throughputSummary(r).rows[0]?.at(-1)).toBe(`20,000 (${BOUND})`);
    expect(textReport(r)).toContain(BOUND);
    const page = benchmarkPage(r, "benchmarks.svg");
    expect(page.markdown).toContain(`| ${BOUND} |`);
    expect(page.svg).toContain(BOUND);
  });

  // Reply errors are what makes the command fail; a clean run has none.
  it("reports reply errors as problems", () => {
    expect(problems(results(same(10, 1000), same(10, 1000)))).toEqual([]);
    const broken = results(
      throughput.map(() => ({ us: 10, rps: 1000, errors: 2 })),
      same(10, 1),
    );
    expect(problems(broken)).toHaveLength(throughput.length);
    expect(textReport(broken)).toContain("does not match");
  });

  // The chart has one bar per measured run, and escapes text for XML.
  it("draws one bar per measured run", () => {
    const r = results(same(10, 1000), same(10, 1000));
    const failed = r.scenarios[0]?.runs[0];
    if (failed) Object.assign(failed, { status: "failed", note: "<exit 1>" });
    const svg = barChart(r);
    expect(svg.match(/<rect x=/g) ?? []).toHaveLength(throughput.length * 3 - 1);
    expect(svg).toContain("failed (&lt;exit 1&gt;)");
  });

  // The page explains itself, records the command and machine, and cites no issue numbers.
  it("writes a page that a reader without the issues can follow", () => {
    const page = benchmarkPage(results(same(10, 1000), same(10, 1000)), "benchmarks.svg");
    expect(page.markdown).toContain("## How to read this");
    expect(page.markdown).toContain("`pnpm bench`");
    expect(page.markdown).toContain("Test CPU");
    expect(page.markdown).toContain("](benchmarks.svg)");
    for (const s of throughput) expect(page.markdown).toContain(`### ${s.title}`);
    expect(page.markdown).toContain("redis: skipped (redis-server not on PATH)");
    expect(page.markdown).toContain("## Closing note");
    expect(page.markdown).not.toMatch(/issue/i);
  });

  // The busy-machine warning appears only above a load average of 0.5 per core.
  it("warns of a busy machine only when the load average says so", () => {
    const calm = results(same(10, 1000), same(10, 1000), { loadAverage: { start: 0.9, end: 2 } });
    const loaded = { ...calm, loadAverage: { start: 1.1, end: 2 } };
    expect(busy(calm)).toBe(false);
    expect(busy(loaded)).toBe(true);
    expect(benchmarkPage(calm, "x.svg").markdown).not.toContain("Busy machine");
    expect(benchmarkPage(loaded, "x.svg").markdown).toContain("Busy machine");
  });
});
