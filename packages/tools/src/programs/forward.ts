// pnpm forward <phase> [--dry-run]: flags in, forward() (../forward.ts), its
// report out (worded in ../forward-report.ts); 1 when a file does not merge.
import { boolFlag, type Program, parseFlags, UsageError } from "@rah/core";
import { forward } from "../forward.ts";
import { describeForward } from "../forward-report.ts";
import { rootFlag, rootFrom } from "../repo.ts";
import type { Io } from "./io.ts";

export const forwardProgram: Program = {
  usage: "pnpm forward [flags]",
  role: "tool",
  args: "<phase>",
  summary: [
    "Carries the uncommitted change in packages/<phase>/ to every later phase that has the same file, then regenerates docs/diffs.",
    "Phases are copy-forward snapshots: a fix made in phase N belongs in phase N+1, N+2, ... and is carried, never retyped.",
    "",
    "For each file modified since the last commit (git diff HEAD), in each later phase in order, a three-way merge (git merge-file):",
    "base = the file as committed in <phase>, ours = the later phase's file, theirs = the file in <phase> now;",
    "so the later phase gets the edit and keeps its own differences. A later phase without the file is skipped (and says so).",
    "New (untracked) and deleted files are not carried: they are listed for you to decide.",
    "",
    "The first phase where a file does not merge cleanly is where it stops: that file is left as it was, the phase's other",
    "files are merged, later phases are not touched, and the command that shows the conflict is printed. Fix the file by",
    "hand, then run pnpm forward on that phase to carry the change on. <phase> is phase1 or phase1-echo; not the last phase.",
  ].join("\n"),
  flags: {
    "dry-run": { type: "boolean", short: "n", description: "say what would change; write nothing" },
    ...rootFlag,
  },
  examples: ["pnpm forward phase1-echo", "pnpm forward phase2 --dry-run"],
};

/** Runs pnpm forward; a mistake is thrown as a UserError, a conflict returns 1. */
export async function runForward(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, forwardProgram);
  const root = rootFrom(values);
  const [phase, ...extra] = positionals;
  if (phase === undefined) {
    throw new UsageError(
      "name the phase whose change to carry, e.g. pnpm forward phase1-echo (--help explains it all)",
    );
  }
  if (extra.length > 0) {
    throw new UsageError(
      `pnpm forward takes one phase, got ${positionals.length} (${positionals.join(" ")}): run it once per phase, earliest first`,
    );
  }
  const report = forward(root, phase, { dryRun: boolFlag(values, "dry-run") });
  const { lines, problem } = describeForward(report);
  for (const line of lines) io.out(line);
  if (!problem) return 0;
  const [sentence = "", ...hints] = problem;
  io.error(sentence);
  for (const hint of hints) io.err(hint);
  return 1;
}
