// pnpm diffs [--check] [phase...]: flags in, updateDiffs() (../diffs.ts),
// one line per file written; --check fails naming the stale files.
import { boolFlag, type Program, parseFlags, UsageError, UserError } from "@rah/core";
import { updateDiffs } from "../diffs.ts";
import { findPhase, listPhases, type Phase } from "../phases.ts";
import { rootFlag, rootFrom } from "../repo.ts";
import type { Io } from "./io.ts";

export const diffsProgram: Program = {
  usage: "pnpm diffs [flags]",
  role: "tool",
  args: "[phase...]",
  summary: [
    "Writes docs/diffs/<phase>.diff for every phase but the first: its change against the phase before it, file by file with git diff --no-index --histogram,",
    "lesson first (1. src/ without src/bin, 2. test/, 3. src/bin/ and tooling; README.md is left out). Name phases (phase2 or phase2-framing) to do only those.",
    "The files apply with git apply or patch -p1 to a copy of the older phase.",
  ].join("\n"),
  flags: {
    check: {
      type: "boolean",
      description: "write nothing; exit 1 naming any stale diff (CI runs this)",
    },
    ...rootFlag,
  },
  examples: ["pnpm diffs", "pnpm diffs --check", "pnpm diffs phase3"],
};

/** Runs pnpm diffs; a mistake or a stale diff with --check is thrown as a UserError. */
export async function runDiffs(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, diffsProgram);
  const root = rootFrom(values);
  const check = boolFlag(values, "check");
  const only = positionals.length > 0 ? chosen(listPhases(root), positionals) : undefined;
  const report = updateDiffs(root, only ? { check, only } : { check });
  const diffs = `${report.count} ${report.count === 1 ? "diff" : "diffs"}`;
  if (check) {
    const { stale } = report;
    if (stale.length > 0) {
      throw new UserError(
        `${stale.join(", ")} ${stale.length === 1 ? "is" : "are"} stale: run pnpm diffs and commit the result`,
      );
    }
    io.out(`docs/diffs is current (${diffs})`);
    return 0;
  }
  for (const { file, before, after } of report.written)
    io.out(`wrote ${file} (${before} -> ${after})`);
  for (const file of report.removed) io.out(`removed ${file} (no such phase)`);
  if (report.written.length + report.removed.length === 0)
    io.out(`docs/diffs was already current (${diffs})`);
  return 0;
}

/** The phases named on the command line; the first phase has no diff. */
function chosen(phases: Phase[], words: string[]): Phase[] {
  const picked = new Map<string, Phase>();
  for (const word of words) {
    const phase = findPhase(phases, word);
    if (phase === phases[0]) {
      throw new UsageError(
        `${phase.name} is the first phase, so it has no diff (each diff is against the phase before)`,
      );
    }
    picked.set(phase.name, phase);
  }
  return [...picked.values()];
}
