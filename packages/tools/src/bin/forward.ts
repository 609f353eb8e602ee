// Entry point: `pnpm forward <phase> [--dry-run]`. Flags in, forward(), its
// report out; exit 1 when a file does not merge cleanly. The work is in
// ../forward.ts, the wording in ../forward-report.ts.
import { boolFlag, main, type Program, paint, parseFlags, UsageError } from "@rah/core";
import { forward } from "../forward.ts";
import { describeForward } from "../forward-report.ts";
import { rootFlag, rootFrom } from "../repo.ts";

const program: Program = {
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

main(
  async (argv) => {
    const { values, positionals } = parseFlags(argv, program);
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
    for (const line of lines) console.log(line);
    if (!problem) return 0;
    const [sentence, ...hints] = problem;
    process.stderr.write(`${paint(process.stderr, "red", "error:")} ${sentence}\n`);
    for (const hint of hints) process.stderr.write(`${hint}\n`);
    return 1;
  },
  { onSignal: "exit" },
);
