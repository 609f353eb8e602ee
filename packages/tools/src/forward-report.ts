// The text pnpm forward prints: one line per later phase, the files it does
// not carry, the conflict (with the command that shows it) and the diffs it
// regenerated.
import { conflictCommand, type FileOutcome, type ForwardReport } from "./forward.ts";

export interface ForwardText {
  /** For stdout. */
  lines: string[];
  /** For stderr, when a file did not merge: the error sentence, then the hints. */
  problem?: string[];
}

export function describeForward(report: ForwardReport): ForwardText {
  const { from, dryRun } = report;
  const targets = [...report.phases.map((p) => p.phase), ...report.untouched];
  const lines = [
    `${dryRun ? "dry run, nothing is written: " : ""}carrying ${count(report.modified.length, "changed file")} of ${from} to ${targets.join(", ")}`,
  ];
  for (const { phase, files } of report.phases) {
    const parts = files.map(({ file, outcome }) => `${file} ${verb(outcome, phase, dryRun)}`);
    lines.push(`  ${phase}: ${parts.join("; ") || "nothing to do"}`);
  }
  if (report.added.length > 0)
    lines.push(
      `not carried, new in ${from}: ${report.added.join(", ")} (copy by hand into the phases that need it)`,
    );
  if (report.deleted.length > 0)
    lines.push(
      `not carried, deleted in ${from}: ${report.deleted.join(", ")} (delete by hand where it should go)`,
    );
  if (dryRun) lines.push("docs/diffs would be regenerated");
  for (const written of report.diffs?.written ?? [])
    lines.push(`wrote ${written.file} (${written.before} -> ${written.after})`);
  for (const removed of report.diffs?.removed ?? [])
    lines.push(`removed ${removed} (no such phase)`);
  if (report.diffs && report.diffs.written.length + report.diffs.removed.length === 0)
    lines.push("docs/diffs was already current");
  return report.conflict ? { lines, problem: conflictText(report) } : { lines };
}

function conflictText(report: ForwardReport): string[] {
  const conflict = report.conflict;
  if (!conflict) return [];
  const { phase, files } = conflict;
  const one = files.length === 1;
  const merged = report.phases.map((p) => p.phase).filter((p) => p !== phase);
  const cleanHere = report.phases.at(-1)?.files.some((f) => f.outcome === "merged") ?? false;
  const consequences = report.dryRun
    ? ["nothing was written"]
    : [
        `${one ? "it was" : "they were"} left as ${one ? "it was" : "they were"} there`,
        cleanHere ? `the other files of ${phase} were merged` : "",
        report.untouched.length > 0 ? `${were(report.untouched)} not touched` : "",
        merged.length > 0 ? `${were(merged)} updated` : "",
      ].filter((s) => s !== "");
  const problem = [
    `${files.join(", ")} ${one ? "does" : "do"} not merge cleanly into ${phase}: ${consequences.join(", ")}.`,
  ];
  for (const file of files)
    problem.push(`to see the conflict: ${conflictCommand(report.from, phase, file)}`);
  const next =
    report.untouched.length > 0 ? `, then run \`pnpm forward ${phase}\` to carry it on` : "";
  problem.push(
    `without -p, git merge-file writes the markers into the ${phase} file: fix it by hand${next}.`,
  );
  return problem;
}

/** "phase4-d was" or "phase4-d, phase5-e were". */
function were(phases: string[]): string {
  return `${phases.join(", ")} ${phases.length === 1 ? "was" : "were"}`;
}

function verb(outcome: FileOutcome, phase: string, dryRun: boolean): string {
  switch (outcome) {
    case "merged":
      return dryRun ? "would be merged" : "merged";
    case "unchanged":
      return "already has the change";
    case "missing":
      return `skipped (${phase} has no such file)`;
    case "conflict":
      return "CONFLICT (left as it was)";
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
