// The entry points as a user runs them, one process each (they cost about a
// second of CPU apiece, so only what the in-process tests cannot show):
// main() turns a usage mistake into one line and exit code 2, a conflict
// into exit code 1, and --help into the usage on stdout.
import { runProgram } from "@rah/core/testing";
import { describe, expect, it } from "vitest";
import { lines, makeRepo } from "./repo-fixture.ts";

/** Runs src/bin/<name>.ts; a busy 2-core CI machine may take a while to start it. */
const run = (name: string, args: string[]) =>
  runProgram(new URL(`../src/bin/${name}.ts`, import.meta.url).pathname, args, { ms: 80_000 });

describe("entry points", { timeout: 120_000 }, () => {
  // Shows: pnpm diffs --bogus is one line and exit code 2, and the diffs are not regenerated.
  it("pnpm diffs --bogus", async () => {
    const repo = makeRepo({
      "packages/phase1-a/x": "1\n",
      "packages/phase2-b/x": "2\n",
      "docs/diffs/phase2-b.diff": "stale\n",
    });
    const bogus = await run("diffs", ["--bogus", "--root", repo.root]);
    expect([bogus.code, bogus.stdout, bogus.stderr]).toEqual([
      2,
      "",
      "error: unknown flag --bogus: run with --help to see the flags\n",
    ]);
    expect(repo.read("docs/diffs/phase2-b.diff")).toBe("stale\n");
  });

  // Shows: a conflict ends pnpm forward with exit code 1, the sentence on stderr.
  it("pnpm forward with a conflict", async () => {
    const repo = makeRepo({
      "packages/phase1-a/x": lines("x", 5),
      "packages/phase2-b/x": lines("x", 5).replace("x 3\n", "phase2 x 3\n"),
    });
    repo.write("packages/phase1-a/x", lines("x", 5).replace("x 3\n", "x 3 fixed\n"));
    const forward = await run("forward", ["phase1", "--root", repo.root]);
    expect(forward.code).toBe(1);
    expect(forward.stderr.split("\n")[0]).toBe(
      "error: x does not merge cleanly into phase2-b: it was left as it was there.",
    );
  });

  // Shows: pnpm demo --help prints the usage and exits 0 without running a demo.
  it("pnpm demo --help", async () => {
    const help = await run("demo", ["--help"]);
    expect([help.code, help.stderr]).toEqual([0, ""]);
    expect(help.stdout).toMatch(/^usage: pnpm demo \[flags\]\n/);
    expect(help.stdout).not.toContain("==");
  });
});
