// The bar chart for docs/benchmarks.md, as an SVG string written by hand:
// one block per scenario, one horizontal bar per target, each block scaled
// to its own fastest target (the scenarios differ by orders of magnitude).
import { formatCount, formatRatio } from "./format.ts";
import { ratios } from "./report.ts";
import type { BenchResults } from "./results.ts";
import type { TargetName } from "./targets.ts";

/** Okabe-Ito colours: distinguishable with every common colour blindness. */
const COLOURS: Record<TargetName, string> = {
  "phase2-framing": "#E69F00",
  "phase3-eventloop": "#0072B2",
  floor: "#999999",
  redis: "#D55E00",
};

const WIDTH = 820;
const LABEL = 140; // target names
const BAR = 540; // longest bar
const ROW = 20;
const HEADING = 26;
const GAP = 10;
const TOP = 46;

function xml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

export function barChart(results: BenchResults): string {
  const parts: string[] = [];
  let y = TOP;
  for (const { scenario, runs } of results.scenarios) {
    const r = ratios({ scenario, runs })
      .map((x) => `${x.label} ${formatRatio(x.value)}`)
      .join(", ");
    parts.push(
      `<text x="8" y="${y + 16}"><tspan font-weight="bold">${xml(scenario.title)}</tspan><tspan fill="#555" dx="12">${xml(r)}</tspan></text>`,
    );
    y += HEADING;
    const max = Math.max(
      1,
      ...runs.map((r) => (r.status === "ok" && r.load ? r.load.requestsPerSecond : 0)),
    );
    for (const run of runs) {
      parts.push(
        `<text x="${LABEL - 8}" y="${y + 14}" text-anchor="end">${xml(run.target)}</text>`,
      );
      if (run.status === "ok" && run.load) {
        const value = run.load.requestsPerSecond;
        const width = Math.max(1, Math.round((value / max) * BAR));
        parts.push(
          `<rect x="${LABEL}" y="${y + 3}" width="${width}" height="${ROW - 6}" fill="${COLOURS[run.target]}"/>`,
          `<text x="${LABEL + width + 6}" y="${y + 14}">${formatCount(value)}</text>`,
        );
      } else {
        parts.push(
          `<text x="${LABEL}" y="${y + 14}" fill="#777">${xml(`${run.status} (${run.note ?? "?"})`)}</text>`,
        );
      }
      y += ROW;
    }
    y += GAP;
  }
  const height = y + 8;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12" fill="#222" role="img">`,
    "<title>Requests per second for each scenario and target, from pnpm bench</title>",
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="20" font-size="15" font-weight="bold">Requests per second (higher is better)</text>`,
    `<text x="8" y="36" fill="#555">pnpm bench, ${xml(results.date.slice(0, 10))}, ${results.machine.cores} cores, Node ${xml(results.machine.node)}; each scenario's bars are scaled to its fastest target</text>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
