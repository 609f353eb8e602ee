// The three programs run in process, as their entry points run them: --help,
// mistakes as one-sentence UsageErrors (main() prints them and exits 2) with
// no work done, and the lines each prints.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HelpRequested, UsageError, UserError } from "@rah/core";
import { describe, expect, it } from "vitest";
import { runDemo } from "../src/programs/demo.ts";
import { runDiffs } from "../src/programs/diffs.ts";
import { runForward } from "../src/programs/forward.ts";
import { recordingIo } from "./io-fixture.ts";
import { lines, makeRepo, type TestRepo, tempDir } from "./repo-fixture.ts";

/** Two phases and a stale docs/diffs/phase2-b.diff. */
function repoWithStaleDiff(): TestRepo {
  return makeRepo({
    "packages/phase1-a/src/server.ts": lines("line", 10),
    "packages/phase2-b/src/server.ts": lines("line", 10).replace("line 9\n", "phase2 line 9\n"),
    "docs/diffs/phase2-b.diff": "stale\n",
  });
}

/** The error `run` rejects with; fails the test if it resolves. */
async function failure(run: Promise<number>): Promise<Error> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("expected the program to fail");
  return err;
}

/** A UsageError's message (one line), after checking that it is one. */
async function usageError(run: Promise<number>): Promise<string> {
  const err = await failure(run);
  expect(err).toBeInstanceOf(UsageError);
  expect(err.message).not.toContain("\n");
  return err.message;
}

describe("pnpm diffs", () => {
  // Shows: --help and a bad flag do nothing else: the stale diff stays stale.
  it("--help and --bogus do not regenerate the diffs", async () => {
    const repo = repoWithStaleDiff();
    const help = await failure(runDiffs(["--help", "--root", repo.root], recordingIo()));
    expect(help).toBeInstanceOf(HelpRequested);
    expect((help as HelpRequested).usage).toMatch(/^usage: pnpm diffs \[flags\] \[phase\.\.\.\]\n/);
    expect(await usageError(runDiffs(["--bogus", "--root", repo.root], recordingIo()))).toBe(
      "unknown flag --bogus: run with --help to see the flags",
    );
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe("stale\n");
  });

  // Shows: a word that is not a phase, or the first phase (it has no diff), is refused before any work.
  it("refuses an unknown phase and the first phase", async () => {
    const repo = repoWithStaleDiff();
    expect(await usageError(runDiffs(["phase7", "--root", repo.root], recordingIo()))).toBe(
      'unknown phase "phase7": the phases are phase1-a, phase2-b',
    );
    expect(await usageError(runDiffs(["phase1", "--root", repo.root], recordingIo()))).toBe(
      "phase1-a is the first phase, so it has no diff (each diff is against the phase before)",
    );
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe("stale\n");
  });

  // Shows: --check fails naming the stale file, pnpm diffs rewrites it, then --check passes.
  it("--check, then a write, then --check", async () => {
    const repo = repoWithStaleDiff();
    const stale = await failure(runDiffs(["--check", "--root", repo.root], recordingIo()));
    expect(stale).toBeInstanceOf(UserError);
    expect(stale).not.toBeInstanceOf(UsageError);
    expect(stale.message).toBe(
      "docs/diffs/phase2-b.diff is stale: run pnpm diffs and commit the result",
    );
    const write = recordingIo();
    expect(await runDiffs(["--root", repo.root], write)).toBe(0);
    expect(write.stdout).toEqual(["wrote docs/diffs/phase2-b.diff (phase1-a -> phase2-b)"]);
    expect(repo.read("docs/diffs/phase2-b.diff")).toContain("+phase2 line 9\n");
    const again = recordingIo();
    expect(await runDiffs(["--root", repo.root, "phase2"], again)).toBe(0);
    expect(again.stdout).toEqual(["docs/diffs was already current (1 diff)"]);
    const check = recordingIo();
    expect(await runDiffs(["--check", "--root", repo.root], check)).toBe(0);
    expect(check.stdout).toEqual(["docs/diffs is current (1 diff)"]);
  });
});

describe("pnpm forward", () => {
  // Shows: --help explains the merge, and the program needs exactly one phase.
  it("--help, no phase, two phases", async () => {
    const help = await failure(runForward(["--help"], recordingIo()));
    expect(help).toBeInstanceOf(HelpRequested);
    const usage = (help as HelpRequested).usage;
    expect(usage).toMatch(/^usage: pnpm forward \[flags\] <phase>\n/);
    for (const words of ["three-way merge", "--dry-run", "not carried", "does not merge cleanly"])
      expect(usage.replaceAll("\n", " ")).toContain(words);
    expect(await usageError(runForward([], recordingIo()))).toBe(
      "name the phase whose change to carry, e.g. pnpm forward phase1-echo (--help explains it all)",
    );
    expect(await usageError(runForward(["phase1", "phase2", "--dry-run"], recordingIo()))).toBe(
      "pnpm forward takes one phase, got 2 (phase1 phase2): run it once per phase, earliest first",
    );
  });

  // Shows: a conflict returns 1 with the sentence naming file and phase, then the hints.
  it("returns 1 on a conflict, with the error and the command that shows it", async () => {
    const repo = repoWithStaleDiff();
    repo.write(
      "packages/phase3-c/src/server.ts",
      lines("line", 10).replace("line 9\n", "phase3 line 9\n"),
    );
    repo.commit("phase 3");
    repo.write(
      "packages/phase2-b/src/server.ts",
      lines("line", 10).replace("line 9\n", "phase2 line 9, fixed\n"),
    );
    const io = recordingIo();
    expect(await runForward(["phase2", "--root", repo.root], io)).toBe(1);
    expect(io.stdout.slice(0, 2)).toEqual([
      "carrying 1 changed file of phase2-b to phase3-c",
      "  phase3-c: src/server.ts CONFLICT (left as it was)",
    ]);
    expect(io.stderr[0]).toBe(
      "error: src/server.ts does not merge cleanly into phase3-c: it was left as it was there.",
    );
    expect(io.stderr[1]).toMatch(
      /^to see the conflict: git show HEAD:packages\/phase2-b\/src\/server.ts > /,
    );
    expect(io.stderr[2]).toBe(
      "without -p, git merge-file writes the markers into the phase3-c file: fix it by hand.",
    );
    expect(repo.read("packages/phase3-c/src/server.ts")).toContain("phase3 line 9\n");
  });
});

describe("pnpm demo", () => {
  // Shows: --help, a flag or a word it does not take: nothing runs.
  it("--help, --bogus and a stray word", async () => {
    const help = await failure(runDemo(["--help"], recordingIo()));
    expect(help).toBeInstanceOf(HelpRequested);
    expect((help as HelpRequested).usage).toMatch(/^usage: pnpm demo \[flags\]\n/);
    expect(await usageError(runDemo(["--bogus"], recordingIo()))).toBe(
      "unknown flag --bogus: run with --help to see the flags",
    );
    expect(await usageError(runDemo(["phase1"], recordingIo()))).toBe(
      'unexpected argument "phase1": this program takes no arguments, run with --help to see the flags',
    );
  });

  // Shows: every phase of this checkout runs, in phase order, then the closing line.
  it("runs this checkout's phases in order", async () => {
    const log = path.join(tempDir("demo"), "log");
    writeFileSync(log, "");
    const io = recordingIo();
    const noting = (phase: string) => ({
      command: process.execPath,
      args: ["-e", `require("node:fs").appendFileSync(${JSON.stringify(log)}, "${phase}\\n")`],
    });
    expect(await runDemo([], io, noting)).toBe(0);
    const ran = readFileSync(log, "utf8").trim().split("\n");
    expect(ran[0]).toBe("phase1-echo");
    const numbers = ran.map((phase) => Number(/^phase(\d+)-/.exec(phase)?.[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(io.stdout.at(-1)).toMatch(new RegExp(`^\\nAll ${ran.length} demos ran\\. Next: `));
  });
});
