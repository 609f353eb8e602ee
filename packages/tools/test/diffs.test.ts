import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lessonOrder, PART_HEADINGS, partOf, phaseDiff, updateDiffs } from "../src/diffs.ts";
import { phaseFiles } from "../src/package-files.ts";
import { listPhases } from "../src/phases.ts";
import { lines, makeRepo, type TestRepo, tempDir } from "./repo-fixture.ts";

/** Two phases as a chapter changes them: every part touched, files added and removed. */
function twoPhases(): TestRepo {
  return makeRepo({
    ".gitignore": "node_modules/\n.vitest-report.json\n",
    "packages/phase1-a/README.md": "# phase 1 notes\n",
    "packages/phase1-a/package.json": '{ "name": "phase1-a" }\n',
    "packages/phase1-a/tsconfig.json": "{}\n",
    "packages/phase1-a/src/server.ts": lines("server", 20),
    "packages/phase1-a/src/gone.ts": "export const gone = 1;\n",
    "packages/phase1-a/src/bin/server.ts": lines("bin", 5),
    "packages/phase1-a/test/server.test.ts": lines("test", 10),
    "packages/phase2-b/README.md": "# phase 2 notes, all different\n",
    "packages/phase2-b/package.json": '{ "name": "phase2-b" }\n',
    "packages/phase2-b/tsconfig.json": "{}\n",
    "packages/phase2-b/vitest.config.ts": "export default {};\n",
    "packages/phase2-b/src/server.ts": lines("server", 20).replace("server 7\n", "server seven\n"),
    "packages/phase2-b/src/protocol.ts": lines("protocol", 3),
    "packages/phase2-b/src/bin/server.ts": lines("bin", 5).replace("bin 2\n", "bin two\n"),
    "packages/phase2-b/test/server.test.ts": `${lines("test", 10)}test 11\n`,
    "packages/phase2-b/test/protocol.test.ts": lines("protocol test", 2),
  });
}

/** A file's text, or null when there is no such file. */
function read(file: string): string | null {
  return existsSync(file) ? readFileSync(file, "utf8") : null;
}

/** The file names in the diff's `diff --git` lines, in order (new side). */
function filesIn(diff: string): string[] {
  return [...diff.matchAll(/^diff --git \S+ (\S+)$/gm)].map((m) => m[1] ?? "");
}

/** Copies packages/<older> out of the repo, applies the diff with `command`, returns the copy. */
function applyToCopy(repo: TestRepo, older: string, diff: string, command: string[]): string {
  const copy = path.join(tempDir("apply"), older);
  cpSync(path.join(repo.root, "packages", older), copy, { recursive: true });
  const [file = "", ...args] = command;
  const run = spawnSync(file, args, { cwd: copy, input: diff, encoding: "utf8" });
  // git apply may warn about whitespace (a blank line added at the end): only failure counts.
  expect(run.status, `${command.join(" ")}: ${run.stderr}`).toBe(0);
  return copy;
}

/** Checks that folder `copy` now holds exactly the files of packages/<newer> (README.md aside). */
function expectSameFiles(repo: TestRepo, newer: string, copy: string, older: string): void {
  const want = phaseFiles(repo.root, newer);
  for (const file of want)
    expect(readFileSync(path.join(copy, file), "utf8"), file).toBe(
      readFileSync(path.join(repo.root, "packages", newer, file), "utf8"),
    );
  // Files of the older phase that the newer one lacks must be gone.
  for (const file of phaseFiles(repo.root, older))
    if (!want.includes(file)) expect(existsSync(path.join(copy, file)), file).toBe(false);
}

describe("lesson order", () => {
  // Shows: src/ without src/bin is the lesson, test/ the tests, everything else tooling.
  it("sorts each file into its part", () => {
    expect(partOf("src/server.ts")).toBe(1);
    expect(partOf("src/deep/dir/x.ts")).toBe(1);
    expect(partOf("test/server.test.ts")).toBe(2);
    expect(partOf("src/bin/demo.ts")).toBe(3);
    expect(partOf("package.json")).toBe(3);
    expect(partOf("vitest.config.ts")).toBe(3);
    expect(partOf("srcs/x.ts")).toBe(3);
  });

  // Shows: parts come in order, files alphabetical, src/bin/ ahead of the tooling in part 3.
  it("orders files within the parts", () => {
    const files = [
      "tsconfig.json",
      "test/b.test.ts",
      "src/bin/server.ts",
      "src/z.ts",
      "package.json",
    ];
    expect(lessonOrder([...files, "src/a.ts", "test/a.test.ts", "src/bin/client.ts"])).toEqual([
      { part: 1, files: ["src/a.ts", "src/z.ts"] },
      { part: 2, files: ["test/a.test.ts", "test/b.test.ts"] },
      {
        part: 3,
        files: ["src/bin/client.ts", "src/bin/server.ts", "package.json", "tsconfig.json"],
      },
    ]);
  });
});

describe("phaseDiff", () => {
  // Shows: the lesson comes first, then the tests, then bin/ and tooling, each under its heading.
  it("writes the parts in lesson order with a heading before each", () => {
    const repo = twoPhases();
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    const headings = diff.split("\n").filter((line) => line.startsWith("# ====="));
    expect(headings).toEqual([PART_HEADINGS[1], PART_HEADINGS[2], PART_HEADINGS[3]]);
    expect(filesIn(diff)).toEqual([
      "phase1-a/src/gone.ts",
      "phase2-b/src/protocol.ts",
      "phase2-b/src/server.ts",
      "phase2-b/test/protocol.test.ts",
      "phase2-b/test/server.test.ts",
      "phase2-b/src/bin/server.ts",
      "phase2-b/package.json",
      "phase2-b/vitest.config.ts",
    ]);
    // Each heading sits just before the first file of its part.
    const at = (text: string) => diff.indexOf(text);
    expect(at(PART_HEADINGS[1])).toBeLessThan(at("diff --git phase1-a/src/gone.ts"));
    expect(at(PART_HEADINGS[2])).toBeGreaterThan(at("diff --git phase1-a/src/server.ts"));
    expect(at(PART_HEADINGS[2])).toBeLessThan(at("diff --git phase2-b/test/protocol.test.ts"));
    expect(at(PART_HEADINGS[3])).toBeLessThan(at("diff --git phase1-a/src/bin/server.ts"));
  });

  // Shows: the notes, ignored files (node_modules, test reports) and equal files are not in it.
  it("leaves out README.md, ignored files and unchanged files", () => {
    const repo = twoPhases();
    repo.write("packages/phase2-b/node_modules/dep/index.js", "module.exports = 1;\n");
    repo.write("packages/phase2-b/.vitest-report.json", "{}\n");
    repo.write("packages/phase2-b/src/scratch.ts", "// new, not committed yet\n");
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    expect(diff).not.toContain("README.md\n");
    expect(diff).not.toContain("node_modules");
    expect(diff).not.toContain(".vitest-report.json");
    expect(diff).not.toContain("tsconfig.json");
    // Not yet committed but not ignored either: a new file the chapter adds.
    expect(filesIn(diff)).toContain("phase2-b/src/scratch.ts");
  });

  // Shows: a part with no change gets no heading.
  it("drops the heading of an empty part", () => {
    const repo = twoPhases();
    repo.write("packages/phase2-b/test/server.test.ts", lines("test", 10));
    repo.remove("packages/phase2-b/test/protocol.test.ts");
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    expect(diff).not.toContain(PART_HEADINGS[2]);
    expect(diff).toContain(PART_HEADINGS[1]);
    expect(diff).toContain(PART_HEADINGS[3]);
  });

  // Shows: file headers are relative to packages/, with no temp folder, timestamp or hash.
  it("names files by their phase-relative path only", () => {
    const repo = twoPhases();
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    const headers = diff.split("\n").filter((line) => /^(---|\+\+\+) /.test(line));
    expect(headers.length).toBe(16);
    for (const header of headers)
      expect(header).toMatch(
        /^(--- phase1-a\/|\+\+\+ phase2-b\/|--- \/dev\/null$|\+\+\+ \/dev\/null$)/,
      );
    expect(diff).not.toContain(repo.root);
    expect(diff).not.toMatch(/^index /m);
    expect(diff).not.toMatch(/\t/);
    // Run twice, the same bytes.
    expect(phaseDiff(repo.root, "phase1-a", "phase2-b")).toBe(diff);
  });

  // Shows: histogram keeps a new function and a removed one apart, where Myers stitches
  // them together through their shared braces (the classic patience-diff example).
  it("does not pair unrelated lines (histogram, not Myers)", () => {
    const before = [
      "#include <stdio.h>",
      "",
      "// Frobs foo heartily",
      "int frobnitz(int foo)",
      "{",
      "    int i;",
      "    for(i = 0; i < 10; i++)",
      "    {",
      '        printf("Your answer is: ");',
      '        printf("%d\\n", foo);',
      "    }",
      "}",
      "",
      "int fact(int n)",
      "{",
      "    if(n > 1)",
      "    {",
      "        return fact(n-1) * n;",
      "    }",
      "    return 1;",
      "}",
      "",
      "int main(int argc, char **argv)",
      "{",
      "    frobnitz(fact(10));",
      "}",
      "",
    ].join("\n");
    const fib = [
      "int fib(int n)",
      "{",
      "    if(n > 2)",
      "    {",
      "        return fib(n-1) + fib(n-2);",
      "    }",
      "    return 1;",
      "}",
      "",
    ];
    const after = before
      .replace("// Frobs", `${fib.join("\n")}\n// Frobs`)
      .replace('        printf("Your answer is: ");\n', "")
      .replace(/int fact\(int n\)\n[\s\S]*?\n}\n\n/, "")
      .replace("frobnitz(fact(10))", "frobnitz(fib(10))");
    const repo = makeRepo({
      "packages/phase1-a/src/frob.c": before,
      "packages/phase2-b/src/frob.c": after,
    });
    // The whole of fib() is one run of added lines, and the whole of fact() one run of removed lines.
    const addsFib = (diff: string) => diff.includes(fib.map((line) => `+${line}`).join("\n"));
    const removesFact = (diff: string) =>
      diff.includes("-int fact(int n)\n-{\n-    if(n > 1)\n-    {\n-        return fact(n-1) * n;");
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    expect(addsFib(diff) && removesFact(diff)).toBe(true);
    // The check can fail: git's default algorithm (Myers) gives the stitched diff.
    const myers = spawnSync(
      "git",
      [
        "diff",
        "--no-index",
        "--diff-algorithm=myers",
        "phase1-a/src/frob.c",
        "phase2-b/src/frob.c",
      ],
      { cwd: path.join(repo.root, "packages"), encoding: "utf8" },
    ).stdout;
    expect(myers).toContain("+int fib(int n)");
    expect(addsFib(myers) || removesFact(myers)).toBe(false);
  });

  // Shows: the written diff turns a copy of the older phase into the newer one, with
  // git apply and with patch -p1; the headings and header comment are skipped.
  it("applies with git apply and patch -p1", () => {
    const repo = twoPhases();
    repo.write("packages/phase2-b/src/protocol.ts", "no newline at the end");
    const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
    for (const command of [
      ["git", "apply", "-"],
      ["patch", "-p1", "--quiet"],
    ]) {
      const copy = applyToCopy(repo, "phase1-a", diff, command);
      expectSameFiles(repo, "phase2-b", copy, "phase1-a");
    }
  });

  // Shows: for any contents (lines that look like diff headers included), the diff applies.
  it("applies for any file contents", () => {
    const repo = makeRepo({ "packages/README.md": "phases are written by the test\n" });
    const line = fc.constantFrom(
      "}",
      "",
      "  return 1;",
      "function f() {",
      "x",
      "y",
      "# ===== 1. not a heading =====",
      "--- a/x",
      "+++ b/x",
      "diff --git a b",
      "@@ -1 +1 @@",
      "\\ No newline",
    );
    const content = fc.option(
      fc
        .tuple(fc.array(line, { minLength: 1, maxLength: 25 }), fc.boolean())
        .map(([ls, newline]) => ls.join("\n") + (newline ? "\n" : "")),
    );
    const names = ["src/a.ts", "src/bin/b.ts", "test/a.test.ts", "package.json"];
    const phase = fc.tuple(...names.map(() => content));
    fc.assert(
      fc.property(phase, phase, (older, newer) => {
        for (const [name, contents] of [
          ["phase1-a", older],
          ["phase2-b", newer],
        ] as const) {
          rmSync(path.join(repo.root, "packages", name), { recursive: true, force: true });
          contents.forEach((text, i) => {
            if (text !== null) repo.write(`packages/${name}/${names[i]}`, text);
          });
          repo.write(`packages/${name}/keep`, "so the folder exists\n");
        }
        const diff = phaseDiff(repo.root, "phase1-a", "phase2-b");
        if (filesIn(diff).length === 0) return;
        for (const command of [
          ["git", "apply", "-"],
          ["patch", "-p1", "--quiet"],
        ]) {
          const copy = applyToCopy(repo, "phase1-a", diff, command);
          const got = names.map((name) => read(path.join(copy, name)));
          expect(got).toEqual(newer);
        }
      }),
      { seed: 20240611, numRuns: 12 },
    );
  });
});

describe("updateDiffs", () => {
  function threePhases(): TestRepo {
    const repo = twoPhases();
    repo.write("packages/phase3-c/src/server.ts", lines("server", 21));
    repo.write("packages/phase3-c/package.json", '{ "name": "phase3-c" }\n');
    repo.commit("phase 3");
    return repo;
  }

  // Shows: --check names every missing or out-of-date diff, and writes nothing.
  it("reports stale diffs with check, and nothing once written", () => {
    const repo = threePhases();
    expect(updateDiffs(repo.root, { check: true }).stale).toEqual([
      "docs/diffs/phase2-b.diff",
      "docs/diffs/phase3-c.diff",
    ]);
    expect(existsSync(path.join(repo.root, "docs/diffs"))).toBe(false);
    const written = updateDiffs(repo.root);
    expect(written.written.map((w) => [w.file, w.before, w.after])).toEqual([
      ["docs/diffs/phase2-b.diff", "phase1-a", "phase2-b"],
      ["docs/diffs/phase3-c.diff", "phase2-b", "phase3-c"],
    ]);
    expect(updateDiffs(repo.root, { check: true })).toEqual({
      count: 2,
      written: [],
      stale: [],
      removed: [],
    });
    // A change to phase 3 makes only phase 3's diff stale.
    repo.write("packages/phase3-c/src/server.ts", lines("server", 22));
    expect(updateDiffs(repo.root, { check: true }).stale).toEqual(["docs/diffs/phase3-c.diff"]);
    // A hand edit to a diff is stale too.
    updateDiffs(repo.root);
    repo.write("docs/diffs/phase2-b.diff", `${repo.read("docs/diffs/phase2-b.diff")}# note\n`);
    expect(updateDiffs(repo.root, { check: true }).stale).toEqual(["docs/diffs/phase2-b.diff"]);
  });

  // Shows: a diff left from a phase that no longer exists is stale, and pnpm diffs removes it.
  it("removes the diff of a phase that is gone", () => {
    const repo = threePhases();
    updateDiffs(repo.root);
    repo.write("docs/diffs/phase4-old.diff", "# phase4 was renamed\n");
    expect(updateDiffs(repo.root, { check: true }).stale).toEqual(["docs/diffs/phase4-old.diff"]);
    expect(updateDiffs(repo.root).removed).toEqual(["docs/diffs/phase4-old.diff"]);
    expect(existsSync(path.join(repo.root, "docs/diffs/phase4-old.diff"))).toBe(false);
  });

  // Shows: naming phases limits the work to their diffs.
  it("limits itself to the phases named", () => {
    const repo = threePhases();
    const phase3 = listPhases(repo.root).filter((p) => p.name === "phase3-c");
    expect(updateDiffs(repo.root, { only: phase3 }).written.map((w) => w.file)).toEqual([
      "docs/diffs/phase3-c.diff",
    ]);
    expect(existsSync(path.join(repo.root, "docs/diffs/phase2-b.diff"))).toBe(false);
    expect(updateDiffs(repo.root, { check: true, only: phase3 }).stale).toEqual([]);
  });
});
