// pnpm forward <phase>: phases are copy-forward snapshots, so a fix made in
// phase N belongs in every later phase that has the same file. This carries
// the uncommitted change in packages/<N>/ forward by a three-way merge per
// file, the way git merges branches:
//   base   = the file as committed in phase N (git show HEAD:...),
//   ours   = the later phase's file as it is now,
//   theirs = phase N's file as it is now,
// so the later phase gets phase N's edit and keeps its own differences.
// Phases are visited in order; the first phase where a file does not merge
// cleanly is the last one visited: its clean files are merged, the
// conflicting ones are left as they were, and later phases are not touched.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { UsageError, UserError } from "@rah/core";
import { type DiffsReport, updateDiffs } from "./diffs.ts";
import { git, nulFields } from "./git.ts";
import { findPhase, listPhases, type Phase } from "./phases.ts";

/** What happened to one changed file in one later phase. */
export type FileOutcome =
  /** The merge changed the later phase's file (or would, in a dry run). */
  | "merged"
  /** The merge left it as it was: the later phase already has the change. */
  | "unchanged"
  /** The later phase has no file at that path: skipped. */
  | "missing"
  /** The edit does not merge cleanly (or the file cannot be merged, e.g. binary). */
  | "conflict";

export interface PhaseOutcome {
  phase: string;
  files: Array<{ file: string; outcome: FileOutcome }>;
}

export interface ForwardReport {
  from: string;
  dryRun: boolean;
  /** Modified files: the ones carried. */
  modified: string[];
  /** New files in phase N (untracked or staged): not carried, listed for the user. */
  added: string[];
  /** Deleted files in phase N: not carried, listed for the user. */
  deleted: string[];
  /** The phases visited, in order; the last one holds the conflict, if any. */
  phases: PhaseOutcome[];
  /** The phase where a file did not merge, and those files (left untouched there). */
  conflict?: { phase: string; files: string[] };
  /** Later phases not visited because of the conflict. */
  untouched: string[];
  /** The regenerated docs/diffs (not in a dry run). */
  diffs?: DiffsReport;
}

/** Phase N's uncommitted change against HEAD, relative to its package folder. */
export function uncommitted(
  root: string,
  phase: string,
): { modified: string[]; added: string[]; deleted: string[] } {
  const prefix = `packages/${phase}/`;
  const relative = (full: string) => (full.startsWith(prefix) ? full.slice(prefix.length) : full);
  const changes = { modified: [] as string[], added: [] as string[], deleted: [] as string[] };
  const status = nulFields(
    git(root, ["diff", "--no-renames", "--name-status", "-z", "--relative", "HEAD", "--", prefix])
      .stdout,
  );
  for (let i = 0; i + 1 < status.length; i += 2) {
    const [code = "", file = ""] = [status[i], status[i + 1]];
    if (code === "M" || code === "T") changes.modified.push(relative(file));
    else if (code === "A") changes.added.push(relative(file));
    else if (code === "D") changes.deleted.push(relative(file));
    else
      throw new UserError(
        `${prefix}${relative(file)} is in the middle of a git merge (status ${code}): finish that first`,
      );
  }
  const untracked = git(root, ["ls-files", "-z", "--others", "--exclude-standard", "--", prefix]);
  changes.added.push(...nulFields(untracked.stdout).map(relative));
  for (const list of Object.values(changes)) list.sort();
  return changes;
}

/** Carries phase `word`'s uncommitted change to every later phase, then regenerates docs/diffs. */
export function forward(
  root: string,
  word: string,
  options: { dryRun?: boolean } = {},
): ForwardReport {
  const phases = listPhases(root);
  const from = findPhase(phases, word);
  const later = phases.filter((p) => p.number > from.number);
  if (later.length === 0) {
    throw new UsageError(
      `${from.name} is the last phase: there is no later phase to carry its change to`,
    );
  }
  const { modified, added, deleted } = uncommitted(root, from.name);
  if (modified.length + added.length + deleted.length === 0) {
    throw new UserError(
      `packages/${from.name} has no uncommitted change to carry: edit a file there first (git diff HEAD shows nothing)`,
    );
  }
  const report: ForwardReport = {
    from: from.name,
    dryRun: options.dryRun === true,
    modified,
    added,
    deleted,
    phases: [],
    untouched: [],
  };
  const scratch = mkdtempSync(path.join(tmpdir(), "rah-forward-"));
  try {
    const bases = new Map<string, string>();
    for (const file of modified) {
      const base = path.join(scratch, `base-${bases.size}`);
      writeFileSync(base, git(root, ["show", `HEAD:./packages/${from.name}/${file}`]).stdout);
      bases.set(file, base);
    }
    for (const [i, target] of later.entries()) {
      const outcome = mergeInto(root, from, target, bases, report.dryRun);
      report.phases.push(outcome);
      const conflicts = outcome.files.filter((f) => f.outcome === "conflict").map((f) => f.file);
      if (conflicts.length > 0) {
        report.conflict = { phase: target.name, files: conflicts };
        report.untouched = later.slice(i + 1).map((p) => p.name);
        break;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  if (!report.dryRun) report.diffs = updateDiffs(root);
  return report;
}

/** Merges every changed file into one later phase; writes the clean merges unless dryRun. */
function mergeInto(
  root: string,
  from: Phase,
  target: Phase,
  bases: ReadonlyMap<string, string>,
  dryRun: boolean,
): PhaseOutcome {
  const results: PhaseOutcome["files"] = [];
  const writes: Array<{ file: string; text: Buffer }> = [];
  for (const [file, base] of bases) {
    const ours = path.join(root, "packages", target.name, file);
    if (!isFile(ours)) {
      results.push({ file, outcome: "missing" });
      continue;
    }
    const theirs = path.join(root, "packages", from.name, file);
    // Exit code: 0 clean, 1-127 the number of conflicts, more for an error (a binary file).
    const merge = git(root, ["merge-file", "-p", ours, base, theirs], { ok: () => true });
    if (merge.status !== 0) {
      results.push({ file, outcome: "conflict" });
      continue;
    }
    if (merge.stdout.equals(readFileSync(ours))) {
      results.push({ file, outcome: "unchanged" });
      continue;
    }
    results.push({ file, outcome: "merged" });
    writes.push({ file: ours, text: merge.stdout });
  }
  if (!dryRun) for (const { file, text } of writes) writeFileSync(file, text);
  return { phase: target.name, files: results };
}

/** The shell command that prints a conflict with its markers (and, without -p, writes them). */
export function conflictCommand(from: string, target: string, file: string): string {
  const base = path.join(tmpdir(), `forward-base-${path.basename(file)}`);
  return [
    `git show ${quote(`HEAD:packages/${from}/${file}`)} > ${quote(base)}`,
    `git merge-file -p --diff3 ${quote(`packages/${target}/${file}`)} ${quote(base)} ${quote(`packages/${from}/${file}`)}`,
  ].join(" && ");
}

function quote(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
