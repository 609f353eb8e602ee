// The three programs as a user runs them: --help, mistakes as one sentence
// with exit code 2 (and no work done), and one real run each of pnpm diffs
// and pnpm forward against a throwaway repository (--root).
import { existsSync } from "node:fs";
import path from "node:path";
import { runProgram } from "@rah/core/testing";
import { describe, expect, it } from "vitest";
import { lines, makeRepo, type TestRepo } from "./repo-fixture.ts";

/** Runs src/bin/<name>.ts as a process; a busy 2-core CI machine may take a while to start it. */
const run = (name: string, args: string[]) =>
  runProgram(new URL(`../src/bin/${name}.ts`, import.meta.url).pathname, args, { ms: 80_000 });

/** Two phases and a stale docs/diffs/phase2-b.diff. */
function repoWithStaleDiff(): TestRepo {
  return makeRepo({
    "packages/phase1-a/src/server.ts": lines("line", 10),
    "packages/phase2-b/src/server.ts": lines("line", 10).replace("line 9\n", "phase2 line 9\n"),
    "docs/diffs/phase2-b.diff": "stale\n",
  });
}

describe("usage: --help and mistakes", { timeout: 120_000 }, () => {
  // Shows: --help and a bad flag do nothing else: the stale diff stays stale.
  it("pnpm diffs --help and --bogus do not regenerate the diffs", async () => {
    const repo = repoWithStaleDiff();
    const help = await run("diffs", ["--help", "--root", repo.root]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pnpm diffs \[flags\] \[phase\.\.\.\]\n/);
    expect(help.stdout).toContain("--check");
    const bogus = await run("diffs", ["--bogus", "--root", repo.root]);
    expect([bogus.code, bogus.stdout, bogus.stderr]).toEqual([
      2,
      "",
      "error: unknown flag --bogus: run with --help to see the flags\n",
    ]);
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe("stale\n");
  });

  // Shows: a word that is not a phase, or the first phase, is refused before any work.
  it("pnpm diffs refuses an unknown phase and the first phase", async () => {
    const repo = repoWithStaleDiff();
    const unknown = await run("diffs", ["phase7", "--root", repo.root]);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      'error: unknown phase "phase7": the phases are phase1-a, phase2-b\n',
    ]);
    const first = await run("diffs", ["phase1", "--root", repo.root]);
    expect([first.code, first.stderr]).toEqual([
      2,
      "error: phase1-a is the first phase, so it has no diff (each diff is against the phase before)\n",
    ]);
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe("stale\n");
  });

  // Shows: pnpm forward explains itself, and needs exactly one phase.
  it("pnpm forward --help, no phase, two phases", async () => {
    const help = await run("forward", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pnpm forward \[flags\] <phase>\n/);
    for (const words of ["three-way merge", "--dry-run", "not carried", "does not merge cleanly"])
      expect(help.stdout.replaceAll("\n", " ")).toContain(words);
    const none = await run("forward", []);
    expect([none.code, none.stderr]).toEqual([
      2,
      "error: name the phase whose change to carry, e.g. pnpm forward phase1-echo (--help explains it all)\n",
    ]);
    const two = await run("forward", ["phase1", "phase2", "--dry-run"]);
    expect([two.code, two.stderr]).toEqual([
      2,
      "error: pnpm forward takes one phase, got 2 (phase1 phase2): run it once per phase, earliest first\n",
    ]);
  });

  // Shows: pnpm demo answers --help and refuses flags and words it does not take, running nothing.
  it("pnpm demo --help, --bogus and a stray word", async () => {
    const help = await run("demo", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pnpm demo \[flags\]\n/);
    const bogus = await run("demo", ["--bogus"]);
    expect([bogus.code, bogus.stdout, bogus.stderr]).toEqual([
      2,
      "",
      "error: unknown flag --bogus: run with --help to see the flags\n",
    ]);
    const stray = await run("demo", ["phase1"]);
    expect([stray.code, stray.stdout]).toEqual([2, ""]);
    expect(stray.stderr).toBe(
      'error: unexpected argument "phase1": this program takes no arguments, run with --help to see the flags\n',
    );
  });
});

describe("real runs", { timeout: 120_000 }, () => {
  // Shows: --check fails naming the stale file, pnpm diffs rewrites it, then --check passes.
  it("pnpm diffs --check, pnpm diffs, pnpm diffs --check", async () => {
    const repo = repoWithStaleDiff();
    const stale = await run("diffs", ["--check", "--root", repo.root]);
    expect([stale.code, stale.stderr]).toEqual([
      1,
      "error: docs/diffs/phase2-b.diff is stale: run pnpm diffs and commit the result\n",
    ]);
    const write = await run("diffs", ["--root", repo.root]);
    expect([write.code, write.stdout, write.stderr]).toEqual([
      0,
      "wrote docs/diffs/phase2-b.diff (phase1-a -> phase2-b)\n",
      "",
    ]);
    expect(repo.read("docs/diffs/phase2-b.diff")).toContain("+phase2 line 9\n");
    const current = await run("diffs", ["--check", "--root", repo.root]);
    expect([current.code, current.stdout]).toEqual([0, "docs/diffs is current (1 diff)\n"]);
  });

  // Shows: a conflict ends pnpm forward with exit 1, the sentence naming file and phase,
  // and the command that shows the conflict; nothing is written to the conflicting phase.
  it("pnpm forward stops on a conflict with exit code 1", async () => {
    const repo = repoWithStaleDiff();
    repo.write(
      "packages/phase3-c/src/server.ts",
      lines("line", 10).replace("line 9\n", "phase3 line 9\n"),
    );
    repo.write("packages/phase3-c/src/extra.ts", "extra\n");
    repo.commit("phase 3");
    repo.write(
      "packages/phase2-b/src/server.ts",
      lines("line", 10).replace("line 9\n", "phase2 line 9, fixed\n"),
    );
    const forward = await run("forward", ["phase2", "--root", repo.root]);
    expect(forward.code).toBe(1);
    expect(forward.stdout.split("\n").slice(0, 2)).toEqual([
      "carrying 1 changed file of phase2-b to phase3-c",
      "  phase3-c: src/server.ts CONFLICT (left as it was)",
    ]);
    const [sentence, hint, next] = forward.stderr.split("\n");
    expect(sentence).toBe(
      "error: src/server.ts does not merge cleanly into phase3-c: it was left as it was there.",
    );
    expect(hint).toMatch(
      /^to see the conflict: git show HEAD:packages\/phase2-b\/src\/server.ts > /,
    );
    expect(next).toBe(
      "without -p, git merge-file writes the markers into the phase3-c file: fix it by hand.",
    );
    expect(repo.read("packages/phase3-c/src/server.ts")).toContain("phase3 line 9\n");
    // docs/diffs was still brought up to date with the phases as they are.
    expect(existsSync(path.join(repo.root, "docs/diffs/phase3-c.diff"))).toBe(true);
  });
});
