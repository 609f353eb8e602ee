// Numbers for people: 123,456 req/s, 85 µs, 1.25 ms, 61 MB, 12.3x.

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Microseconds in the unit that reads best. */
export function formatLatency(us: number): string {
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** A CPU time per request, in µs: "3.42 µs", "12.3 µs", "140 µs". */
export function formatMicros(us: number | null): string {
  if (us === null || !Number.isFinite(us)) return "?";
  return `${us.toFixed(us < 10 ? 2 : us < 100 ? 1 : 0)} µs`;
}

/** Bytes in MB (10^6 bytes, the unit of the issue's memory goal). */
export function formatMb(bytes: number | null): string {
  if (bytes === null) return "?";
  return `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

export function formatPercent(p: number | null): string {
  return p === null ? "?" : `${Math.round(p)}%`;
}

export function formatRatio(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return "n/a";
  return `${x.toFixed(x < 10 ? 2 : 1)}x`;
}

export function formatMs(ms: number): string {
  return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
}

/** The first `left` columns left-aligned, the rest (numbers) right-aligned, two spaces apart. */
export function textTable(header: string[], rows: string[][], left = 1, indent = "  "): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i < left ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => indent + line)
    .join("\n");
}

/**
 * A GitHub markdown table, padded the way biome formats one (so formatting
 * the generated page changes nothing): the first `left` columns
 * left-aligned, the rest (numbers) right-aligned.
 */
export function markdownTable(header: string[], rows: string[][], left = 1): string {
  const all = [header, ...rows].map((row) => row.map((c) => c.replaceAll("|", "\\|")));
  const widths = header.map((_, i) => Math.max(3, ...all.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${widths.map((w, i) => (i < left ? (cells[i] ?? "").padEnd(w) : (cells[i] ?? "").padStart(w))).join(" | ")} |`;
  const rule = `| ${widths.map((w, i) => (i < left ? "-".repeat(w) : `${"-".repeat(w - 1)}:`)).join(" | ")} |`;
  const [head = [], ...body] = all;
  return [line(head), rule, ...body.map(line)].join("\n");
}
