import { describe, expect, it } from "vitest";
import { barChart } from "../src/chart.ts";
import type { LoadResult } from "../src/loadgen.ts";
import { benchmarkPage } from "../src/markdown.ts";
import { goals, problems, ratios, summaryTable, textReport } from "../src/report.ts";
import type { BenchResults, RunResult } from "../src/results.ts";
import { scenarios, settingsFor } from "../src/scenarios.ts";
import type { TargetName } from "../src/targets.ts";

function load(rps: number, errors = 0): LoadResult {
  return {
    connections: 50,
    connected: 50,
    starved: 0,
    replies: rps,
    elapsedMs: 1000,
    requestsPerSecond: rps,
    latency: { count: rps, p50: 40, p99: 900, max: 12_000, mean: 55 },
    errors: { wrongReply: errors, missingReply: 0, closedEarly: 0, connectFailed: 0 },
    errorCount: errors,
    errorSamples: errors > 0 ? ["connection 1: reply 3 does not match <its> request"] : [],
    clientCpuPercent: 50,
  };
}

function run(target: TargetName, rps: number | null, errors = 0): RunResult {
  return rps === null
    ? { target, status: "n/a", note: "over the 4096-byte limit" }
    : { target, status: "ok", load: load(rps, errors), server: { cpuPercent: 99, peakRss: 80e6 } };
}

/** A made-up run: phase 2 gets 1,000 req/s per scenario, phase 3 and the floor the given rates. */
function results(phase3: number[], floor: number[], errors = 0): BenchResults {
  return {
    date: "2025-01-02T03:04:05.000Z",
    command: "pnpm bench",
    machine: { cpuModel: "Test CPU", cores: 2, node: "v20.0.0", os: "Linux", memoryGb: 8 },
    pinning: "not pinned (test)",
    fdNote: "open-files limit 1024",
    settings: settingsFor(false),
    targets: [
      { name: "phase2-framing", available: true },
      { name: "phase3-eventloop", available: true },
      { name: "floor", available: true },
      { name: "redis", available: false, note: "redis-server not on PATH" },
    ],
    scenarios: scenarios.map((scenario, i) => ({
      scenario,
      runs: [
        run("phase2-framing", scenario.payloadSize > 4096 ? null : 1000),
        run("phase3-eventloop", phase3[i] ?? 1, errors),
        run("floor", floor[i] ?? 1),
      ],
    })),
    idle: [
      {
        target: "phase3-eventloop",
        status: "ok",
        connections: 10_000,
        open: 10_000,
        rssBefore: 50e6,
        rssAfter: 90e6,
        errors: { wrongReply: 0, missingReply: 0, closedEarly: 0, connectFailed: 0 },
      },
    ],
    pipeline: [
      {
        target: "phase3-eventloop",
        status: "ok",
        small: 20_000,
        large: 200_000,
        smallMs: 10,
        largeMs: 104,
        ratio: 10.4,
        errorCount: 0,
      },
    ],
    baselineRss: { node: 45e6, tsx: 76e6 },
    loadAverage: { start: 0.1, end: 0.2 },
    seconds: 170,
  };
}

const phase3 = [9000, 30_000, 200_000, 25_000, 5000];
const floor = [10_000, 20_000, 150_000, 30_000, 5000];

describe("ratios", () => {
  // Each ratio is phase 3's requests/s over the other target's, from the same run.
  it("divides phase 3 by each other target", () => {
    const r = results(phase3, floor);
    const first = r.scenarios[0];
    if (!first) throw new Error("no scenario");
    expect(ratios(first)).toEqual([
      { label: "phase3/phase2", value: (phase3[0] ?? 0) / 1000 },
      { label: "phase3/floor", value: (phase3[0] ?? 0) / (floor[0] ?? 1) },
    ]);
  });

  // A target that could not run gives no ratio instead of a made-up one.
  it("has no ratio for an n/a run", () => {
    const last = results(phase3, floor).scenarios.at(-1);
    if (!last) throw new Error("no scenario");
    expect(ratios(last).find((x) => x.label === "phase3/phase2")?.value).toBeNull();
  });
});

describe("goals", () => {
  // The floor goal is missed when any scenario's ratio is below 1, and names the worst one.
  it("names the scenario furthest below the floor", () => {
    const [floorGoal, phase2Goal] = goals(results(phase3, floor));
    expect(floorGoal?.met).toBe(false);
    expect(floorGoal?.measured).toContain("(1000 clients)"); // 25,000 / 30,000, the lowest
    expect(phase2Goal?.met).toBe(true); // 30,000 / 1,000 at 50 clients
  });

  // Met when phase 3 matches or beats the floor everywhere.
  it("is met when phase 3 is never below the floor", () => {
    expect(goals(results(floor, floor))[0]?.met).toBe(true);
  });

  // A --quick run is a smoke test: it shows the figures but judges no goal.
  it("judges nothing in a --quick run", () => {
    const quick = { ...results(phase3, floor), settings: settingsFor(true) };
    expect(goals(quick).map((g) => g.met)).toEqual([null, null, null, null]);
  });
});

describe("output", () => {
  // The summary has a row per scenario and a column per target that ran.
  it("summarises every scenario", () => {
    const { header, rows } = summaryTable(results(phase3, floor));
    expect(header.slice(1, 4)).toEqual(["phase2 req/s", "phase3 req/s", "floor req/s"]);
    expect(rows.map((r) => r[0])).toEqual(scenarios.map((s) => s.title));
  });

  // Reply errors are what makes the command fail; a clean run has none.
  it("reports reply errors as problems", () => {
    expect(problems(results(phase3, floor))).toEqual([]);
    expect(problems(results(phase3, floor, 2))).toHaveLength(scenarios.length);
    expect(textReport(results(phase3, floor, 2))).toContain("does not match");
  });

  // The chart has one bar per measured run, and escapes text for XML.
  it("draws one bar per measured run", () => {
    const svg = barChart(results(phase3, floor, 1));
    const bars = svg.match(/<rect x=/g) ?? [];
    expect(bars).toHaveLength(scenarios.length * 3 - 1);
    expect(svg).toContain("n/a (over the 4096-byte limit)");
    expect(svg).not.toMatch(/<its>/);
  });

  // The page records the command, the machine, the chart and every scenario.
  it("writes a page with the command, machine, chart and tables", () => {
    const page = benchmarkPage(results(phase3, floor), "benchmarks.svg");
    expect(page.markdown).toContain("`pnpm bench`");
    expect(page.markdown).toContain("Test CPU");
    expect(page.markdown).toContain("](benchmarks.svg)");
    for (const s of scenarios) expect(page.markdown).toContain(`### ${s.title}`);
    expect(page.markdown).toContain("redis: skipped (redis-server not on PATH)");
  });
});
