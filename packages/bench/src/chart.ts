// The chart for docs/benchmarks.md, as an SVG string written by hand: one
// block per scenario, one horizontal bar per target, each block scaled to
// its own largest value (the scenarios differ by orders of magnitude).
// Throughput scenarios show the server's CPU time per request, marking the
// load-generator bound runs; the fixed-rate and fairness scenarios show a
// p99 latency. Shorter is better everywhere.
import { formatCount, formatLatency, formatMicros, formatRatio } from "./format.ts";
import { BOUND, ratios, short } from "./report.ts";
import type { BenchResults, RunResult, ScenarioResult } from "./results.ts";

/** Okabe-Ito colours: distinguishable with every common colour blindness. */
const PALETTE = ["#E69F00", "#0072B2", "#56B4E9", "#999999", "#D55E00", "#009E73", "#CC79A7"];

const WIDTH = 860;
const LABEL = 220; // target names
const BAR = 380; // longest bar
const ROW = 20;
const HEADING = 26;
const GAP = 10;
const TOP = 46;

function xml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

interface Bar {
  value: number | null;
  /** Text after the bar (or instead of it). */
  label: string;
}

/** What a scenario's block shows: its heading's extra text, and a bar per run. */
function block(result: ScenarioResult): { note: string; bars: Bar[] } {
  const { scenario, runs } = result;
  const failed = (run: RunResult): Bar => ({
    value: null,
    label: `${run.status} (${run.note ?? "?"})`,
  });
  switch (scenario.kind) {
    case "throughput":
    case "zset":
      return {
        note: `CPU/request, ${ratios(result)
          .map((r) => `${r.label} ${formatRatio(r.cpu)}`)
          .join(", ")}`,
        bars: runs.map((run) => {
          const us = run.server?.cpuPerRequest ?? null;
          if (run.status !== "ok" || !run.load || us === null) return failed(run);
          const rps = `${formatCount(run.load.requestsPerSecond)} req/s`;
          return {
            value: us,
            label: `${formatMicros(us)}  (${rps}${run.loadgenBound ? `, ${BOUND}` : ""})`,
          };
        }),
      };
    case "fixed-rate":
      return {
        note: "p99 latency at the same offered load",
        bars: runs.map((run) =>
          run.status === "ok" && run.load
            ? { value: run.load.latency.p99, label: `p99 ${formatLatency(run.load.latency.p99)}` }
            : failed(run),
        ),
      };
    case "rehash":
      return {
        note: "the probing client's worst wait while the keys go in",
        bars: runs.map((run) =>
          run.status === "ok" && run.probe
            ? {
                value: run.probe.latency.max,
                label: `max ${formatLatency(run.probe.latency.max)}, p99.9 ${formatLatency(run.probe.latency.p999)}`,
              }
            : failed(run),
        ),
      };
    case "fairness":
      return {
        note: "the polite client's p99 under a greedy one",
        bars: runs.map((run) =>
          run.status === "ok" && run.polite
            ? {
                value: run.polite.latency.p99,
                label: `p99 ${formatLatency(run.polite.latency.p99)}`,
              }
            : failed(run),
        ),
      };
  }
}

export function barChart(results: BenchResults): string {
  const names = results.targets.map((t) => t.name);
  const colour = (name: string) => PALETTE[Math.max(0, names.indexOf(name)) % PALETTE.length];
  const parts: string[] = [];
  let y = TOP;
  for (const result of results.scenarios) {
    const { note, bars } = block(result);
    parts.push(
      `<text x="8" y="${y + 16}"><tspan font-weight="bold">${xml(result.scenario.title)}</tspan><tspan fill="#555" dx="12">${xml(note)}</tspan></text>`,
    );
    y += HEADING;
    const max = Math.max(1e-9, ...bars.map((b) => b.value ?? 0));
    result.runs.forEach((run, i) => {
      const bar = bars[i] ?? { value: null, label: "?" };
      const name = run.step
        ? `${short(run.target)}: ${run.step.replace(/ of .*/, "")}`
        : run.target;
      parts.push(`<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${xml(name)}</text>`);
      if (bar.value !== null) {
        const width = Math.max(1, Math.round((bar.value / max) * BAR));
        parts.push(
          `<rect x="${LABEL}" y="${y + 3}" width="${width}" height="${ROW - 6}" fill="${colour(run.target)}"${run.loadgenBound ? ' fill-opacity="0.45"' : ""}/>`,
          `<text x="${LABEL + width + 6}" y="${y + 14}">${xml(bar.label)}</text>`,
        );
      } else {
        parts.push(`<text x="${LABEL}" y="${y + 14}" fill="#777">${xml(bar.label)}</text>`);
      }
      y += ROW;
    });
    y += GAP;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="#222" role="img">`,
    "<title>Server CPU time per request and latency for each scenario and target, from pnpm bench</title>",
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">Server CPU time per request, and latency (shorter is better)</text>`,
    `<text x="8" y="36" fill="#555">pnpm bench, ${xml(results.date.slice(0, 10))}, ${results.machine.cores} cores, Node ${xml(results.machine.node)}; each block is scaled to its largest value; pale bars: ${BOUND}</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
