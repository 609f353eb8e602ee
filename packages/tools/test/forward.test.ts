import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError, UserError } from "@rah/core";
import { describe, expect, it } from "vitest";
import { updateDiffs } from "../src/diffs.ts";
import { forward } from "../src/forward.ts";
import { describeForward } from "../src/forward-report.ts";
import { lines, makeRepo, type TestRepo } from "./repo-fixture.ts";

const base = lines("line", 30);
/** Each later phase has its own differences in src/server.ts: line 25 and an extra line in phase 2, lines 25 and 28 in phases 3 and 4. */
const phase2 = `${base.replace("line 25\n", "phase2 line 25\n")}phase2 extra\n`;
const phase3 = base
  .replace("line 25\n", "phase3 line 25\n")
  .replace("line 28\n", "phase3 line 28\n");

/**
 * Four phases. src/server.ts is in all of them, each with its own lines;
 * src/helper.ts is missing from phase 3; src/old.ts is everywhere.
 */
function fourPhases(): TestRepo {
  return makeRepo({
    ".gitignore": "node_modules/\n",
    "packages/phase1-a/src/server.ts": base,
    "packages/phase1-a/src/helper.ts": lines("helper", 10),
    "packages/phase1-a/src/old.ts": "old\n",
    "packages/phase1-a/README.md": "# notes\n",
    "packages/phase2-b/src/server.ts": phase2,
    "packages/phase2-b/src/helper.ts": lines("helper", 10),
    "packages/phase2-b/src/old.ts": "old\n",
    "packages/phase3-c/src/server.ts": phase3,
    "packages/phase3-c/src/old.ts": "old\n",
    "packages/phase4-d/src/server.ts": phase3,
    "packages/phase4-d/src/helper.ts": `${lines("helper", 10)}phase4 helper\n`,
    "packages/phase4-d/src/old.ts": "old\n",
  });
}

/** The paths git reports as changed (for "nothing else was written"). */
function changedPaths(repo: TestRepo): string[] {
  return repo
    .status()
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.slice(3))
    .sort();
}

describe("pnpm forward: a clean carry", () => {
  // Shows: a fix to a shared file lands in every later phase, around each phase's own changes.
  it("merges the change into every later phase", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 3\n", "line 3 fixed\n"));
    const report = forward(repo.root, "phase1");
    expect(report.modified).toEqual(["src/server.ts"]);
    expect(repo.read("packages/phase2-b/src/server.ts")).toBe(
      phase2.replace("line 3\n", "line 3 fixed\n"),
    );
    const fixed3 = phase3.replace("line 3\n", "line 3 fixed\n");
    expect(repo.read("packages/phase3-c/src/server.ts")).toBe(fixed3);
    expect(repo.read("packages/phase4-d/src/server.ts")).toBe(fixed3);
    expect(report.phases).toEqual(
      ["phase2-b", "phase3-c", "phase4-d"].map((phase) => ({
        phase,
        files: [{ file: "src/server.ts", outcome: "merged" }],
      })),
    );
    expect(report.conflict).toBeUndefined();
    expect(describeForward(report).lines.slice(0, 4)).toEqual([
      "carrying 1 changed file of phase1-a to phase2-b, phase3-c, phase4-d",
      "  phase2-b: src/server.ts merged",
      "  phase3-c: src/server.ts merged",
      "  phase4-d: src/server.ts merged",
    ]);
  });

  // Shows: the earlier phases are left alone: a change in phase 2 goes to phases 3 and 4 only.
  it("carries from a middle phase to the later ones only", () => {
    const repo = fourPhases();
    repo.write("packages/phase2-b/src/server.ts", phase2.replace("line 1\n", "line 1 fixed\n"));
    const report = forward(repo.root, "phase2-b");
    expect(report.phases.map((p) => p.phase)).toEqual(["phase3-c", "phase4-d"]);
    expect(repo.read("packages/phase1-a/src/server.ts")).toBe(base);
    expect(repo.read("packages/phase4-d/src/server.ts")).toBe(
      phase3.replace("line 1\n", "line 1 fixed\n"),
    );
  });

  // Shows: running it twice changes nothing more: the later phases already have the change.
  it("is a no-op the second time", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 3\n", "line 3 fixed\n"));
    forward(repo.root, "phase1");
    const again = forward(repo.root, "phase1");
    expect(again.phases.flatMap((p) => p.files.map((f) => f.outcome))).toEqual([
      "unchanged",
      "unchanged",
      "unchanged",
    ]);
    expect(describeForward(again).lines[1]).toBe(
      "  phase2-b: src/server.ts already has the change",
    );
  });

  // Shows: a later phase without the file is skipped and says so; the others still get it.
  it("skips a phase that has no such file, and reports it", () => {
    const repo = fourPhases();
    repo.write(
      "packages/phase1-a/src/helper.ts",
      lines("helper", 10).replace("helper 1\n", "helper one\n"),
    );
    const report = forward(repo.root, "phase1-a");
    expect(report.phases.map((p) => p.files[0]?.outcome)).toEqual(["merged", "missing", "merged"]);
    expect(existsSync(path.join(repo.root, "packages/phase3-c/src/helper.ts"))).toBe(false);
    expect(repo.read("packages/phase4-d/src/helper.ts")).toContain("helper one\n");
    expect(repo.read("packages/phase4-d/src/helper.ts")).toContain("phase4 helper\n");
    expect(describeForward(report).lines).toContain(
      "  phase3-c: src/helper.ts skipped (phase3-c has no such file)",
    );
  });

  // Shows: new and deleted files are listed for the user, never copied or deleted.
  it("lists new and deleted files without carrying them", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/new.ts", "new\n");
    repo.remove("packages/phase1-a/src/old.ts");
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 3\n", "line 3 fixed\n"));
    const report = forward(repo.root, "phase1");
    expect([report.added, report.deleted]).toEqual([["src/new.ts"], ["src/old.ts"]]);
    for (const phase of ["phase2-b", "phase3-c", "phase4-d"]) {
      expect(existsSync(path.join(repo.root, `packages/${phase}/src/new.ts`))).toBe(false);
      expect(existsSync(path.join(repo.root, `packages/${phase}/src/old.ts`))).toBe(true);
    }
    const text = describeForward(report).lines;
    expect(text).toContain(
      "not carried, new in phase1-a: src/new.ts (copy by hand into the phases that need it)",
    );
    expect(text).toContain(
      "not carried, deleted in phase1-a: src/old.ts (delete by hand where it should go)",
    );
  });

  // Shows: afterwards docs/diffs matches the phases again: the diffs the change moved were rewritten.
  it("regenerates docs/diffs", () => {
    const repo = fourPhases();
    updateDiffs(repo.root);
    repo.commit("diffs");
    const phase2Diff = repo.read("docs/diffs/phase2-b.diff");
    repo.write(
      "packages/phase1-a/src/helper.ts",
      lines("helper", 10).replace("helper 1\n", "helper one\n"),
    );
    const report = forward(repo.root, "phase1");
    // Phase 3 has no helper.ts: its diff deletes the file, the new text with it; phase 4's adds it back.
    expect(report.diffs?.written.map((w) => w.file)).toEqual([
      "docs/diffs/phase3-c.diff",
      "docs/diffs/phase4-d.diff",
    ]);
    expect(repo.read("docs/diffs/phase3-c.diff")).toContain("\n-helper one\n");
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe(phase2Diff);
    expect(updateDiffs(repo.root, { check: true }).stale).toEqual([]);
    expect(describeForward(report).lines.slice(-2)).toEqual([
      "wrote docs/diffs/phase3-c.diff (phase2-b -> phase3-c)",
      "wrote docs/diffs/phase4-d.diff (phase3-c -> phase4-d)",
    ]);
  });
});

describe("pnpm forward: a conflict", () => {
  // Shows: at the first phase whose own lines clash with the change, it stops: the earlier
  // phases are merged, that phase's file and every later phase are left untouched.
  it("stops at the conflicting phase and names the file and the phase", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 28\n", "line 28 fixed\n"));
    const report = forward(repo.root, "phase1");
    expect(report.conflict).toEqual({ phase: "phase3-c", files: ["src/server.ts"] });
    expect(report.untouched).toEqual(["phase4-d"]);
    expect(repo.read("packages/phase2-b/src/server.ts")).toContain("line 28 fixed\n");
    expect(repo.read("packages/phase3-c/src/server.ts")).toBe(phase3);
    expect(repo.read("packages/phase4-d/src/server.ts")).toBe(phase3);
    // Nothing was written to phase 3 or 4: only phase 1 (the edit), phase 2 and docs/diffs changed.
    expect(changedPaths(repo)).toEqual([
      "docs/diffs/phase2-b.diff",
      "docs/diffs/phase3-c.diff",
      "docs/diffs/phase4-d.diff",
      "packages/phase1-a/src/server.ts",
      "packages/phase2-b/src/server.ts",
    ]);
    const { problem } = describeForward(report);
    expect(problem?.[0]).toBe(
      "src/server.ts does not merge cleanly into phase3-c: it was left as it was there, phase4-d was not touched, phase2-b was updated.",
    );
    expect(problem?.at(-1)).toBe(
      "without -p, git merge-file writes the markers into the phase3-c file: fix it by hand, then run `pnpm forward phase3-c` to carry it on.",
    );
  });

  // Shows: the printed command really shows the conflict, with phase 3's line and the fix.
  it("prints a command that shows the conflict", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 28\n", "line 28 fixed\n"));
    const hint = describeForward(forward(repo.root, "phase1")).problem?.[1] ?? "";
    expect(hint).toMatch(/^to see the conflict: git show /);
    const shown = spawnSync("sh", ["-c", hint.replace("to see the conflict: ", "")], {
      cwd: repo.root,
      encoding: "utf8",
    });
    expect(shown.stdout).toMatch(
      /<<<<<<< [^\n]*\nphase3 line 28\n\|\|\|\|\|\|\| [^\n]*\nline 28\n=======\nline 28 fixed\n>>>>>>> /,
    );
    expect(repo.read("packages/phase3-c/src/server.ts")).toBe(phase3);
  });

  // Shows: in the phase that conflicts, the files that merge cleanly are merged, so that
  // `pnpm forward <that phase>` can carry everything on once the conflict is fixed by hand.
  it("merges the conflicting phase's clean files, and not the conflicting one", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 28\n", "line 28 fixed\n"));
    repo.write("packages/phase1-a/src/old.ts", "old, fixed\n");
    const report = forward(repo.root, "phase1");
    expect(report.phases.at(-1)).toEqual({
      phase: "phase3-c",
      files: [
        { file: "src/old.ts", outcome: "merged" },
        { file: "src/server.ts", outcome: "conflict" },
      ],
    });
    expect(repo.read("packages/phase3-c/src/old.ts")).toBe("old, fixed\n");
    expect(repo.read("packages/phase3-c/src/server.ts")).toBe(phase3);
    expect(repo.read("packages/phase4-d/src/old.ts")).toBe("old\n");
    expect(describeForward(report).problem?.[0]).toBe(
      "src/server.ts does not merge cleanly into phase3-c: it was left as it was there, the other files of phase3-c were merged, phase4-d was not touched, phase2-b was updated.",
    );
  });

  // Shows: with --dry-run a conflict is found the same way and nothing at all is written.
  it("writes nothing in a dry run", () => {
    const repo = fourPhases();
    repo.write("packages/phase1-a/src/server.ts", base.replace("line 28\n", "line 28 fixed\n"));
    repo.write("packages/phase1-a/src/helper.ts", "changed\n");
    const status = repo.status();
    const report = forward(repo.root, "phase1", { dryRun: true });
    expect(repo.status()).toBe(status);
    expect(existsSync(path.join(repo.root, "docs"))).toBe(false);
    expect(report.conflict).toEqual({ phase: "phase3-c", files: ["src/server.ts"] });
    const { lines: out, problem } = describeForward(report);
    expect(out).toEqual([
      "dry run, nothing is written: carrying 2 changed files of phase1-a to phase2-b, phase3-c, phase4-d",
      "  phase2-b: src/helper.ts would be merged; src/server.ts would be merged",
      "  phase3-c: src/helper.ts skipped (phase3-c has no such file); src/server.ts CONFLICT (left as it was)",
      "docs/diffs would be regenerated",
    ]);
    expect(problem?.[0]).toBe(
      "src/server.ts does not merge cleanly into phase3-c: nothing was written.",
    );
  });
});

describe("pnpm forward: refusals", () => {
  /** The error forward() throws for `word` in `repo`. */
  function refusal(repo: TestRepo, word: string): unknown {
    try {
      forward(repo.root, word);
    } catch (err: unknown) {
      return err;
    }
    throw new Error(`forward ${word} did not refuse`);
  }

  // Shows: an unknown phase, the last phase and a phase with nothing to carry are each one sentence.
  it("refuses an unknown phase, the last phase and a clean phase", () => {
    const repo = fourPhases();
    const unknown = refusal(repo, "phase9");
    expect(unknown).toBeInstanceOf(UsageError);
    expect((unknown as Error).message).toBe(
      'unknown phase "phase9": the phases are phase1-a, phase2-b, phase3-c, phase4-d',
    );
    repo.write("packages/phase4-d/src/server.ts", "changed\n");
    const last = refusal(repo, "phase4");
    expect(last).toBeInstanceOf(UsageError);
    expect((last as Error).message).toBe(
      "phase4-d is the last phase: there is no later phase to carry its change to",
    );
    const clean = refusal(repo, "phase1");
    expect(clean).toBeInstanceOf(UserError);
    expect(clean).not.toBeInstanceOf(UsageError);
    expect((clean as Error).message).toBe(
      "packages/phase1-a has no uncommitted change to carry: edit a file there first (git diff HEAD shows nothing)",
    );
    // A change in another phase, or an ignored file, does not count.
    repo.write("packages/phase1-a/node_modules/x.js", "ignored\n");
    expect(refusal(repo, "phase1")).toBeInstanceOf(UserError);
    expect(repo.read("packages/phase4-d/src/server.ts")).toBe("changed\n");
  });
});
