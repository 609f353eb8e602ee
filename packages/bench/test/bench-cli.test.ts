import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runProgram } from "@rah/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { subjectExists } from "../src/bench.ts";
import type { BenchResults } from "../src/results.ts";
import { scenarios } from "../src/scenarios.ts";
import { allTargets } from "../src/targets.ts";

const entry = new URL("../src/bin/bench.ts", import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), "rah-bench-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("pnpm bench", () => {
  // The CI smoke test: --quick runs every scenario to the end and every reply
  // from phase 3 and the floor is correct (numbers are not asserted).
  it("completes --quick with no reply errors", { timeout: 150_000 }, async () => {
    const json = path.join(dir, "quick.json");
    const run = await runProgram(entry, ["--quick", "--json", json], { ms: 140_000 });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Summary: server CPU time per request");
    const results = JSON.parse(readFileSync(json, "utf8")) as BenchResults;
    for (const name of ["phase3-eventloop", "floor"]) {
      expect(results.targets.find((t) => t.name === name)?.available).toBe(true);
    }
    // Every scenario ran, and every run of every target answered correctly.
    // (Scenarios of phases that do not exist yet are skipped.)
    const available = new Set(results.targets.filter((t) => t.available).map((t) => t.name));
    const runnable = scenarios.filter(
      (s) =>
        subjectExists(s) &&
        allTargets.some((t) => available.has(t.name) && t.scenarios.includes(s.id)),
    );
    expect(results.scenarios.map((s) => s.scenario.id)).toEqual(runnable.map((s) => s.id));
    for (const s of results.scenarios) {
      for (const r of s.runs) {
        const errors = (r.load?.errorCount ?? 0) + (r.polite?.errorCount ?? 0);
        expect({ scenario: s.scenario.id, target: r.target, status: r.status, errors }).toEqual({
          scenario: s.scenario.id,
          target: r.target,
          status: "ok",
          errors: 0,
        });
        expect(r.load?.replies).toBeGreaterThan(0);
        // The polite client's request may outlast a --quick window (phase 3 with its
        // logging): its latency still counts once the reply comes.
        if (s.scenario.kind === "fairness") expect(r.polite?.latency.count).toBeGreaterThan(0);
        if (s.scenario.kind === "rehash") expect(r.probe?.errorCount).toBe(0);
      }
    }
    // --quick takes the scaling figures for phase 3 only.
    expect(results.pipeline.map((p) => [p.target, p.status, p.errorCount])).toEqual([
      ["phase3-eventloop", "ok", 0],
    ]);
    const idle = results.idle.find((p) => p.target === "phase3-eventloop");
    expect(idle?.open).toBe(results.settings.idleConnections);
  });

  // --help describes the bench's own flags: it is a tool, with no --host or --port.
  it("answers --help without --host or --port", async () => {
    const run = await runProgram(entry, ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--quick");
    expect(run.stdout).not.toMatch(/--host|--port/);
  });

  // A stray word is refused, not ignored.
  it("refuses a stray word", async () => {
    const run = await runProgram(entry, ["quick"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unexpected argument "quick"');
  });

  // A --json file that cannot be written is refused before anything runs.
  it("refuses a --json file in a missing folder, or a folder, in one line", async () => {
    for (const [file, says] of [
      [path.join(dir, "missing", "x.json"), "cannot write a file in"],
      [dir, "that is a folder"],
    ] as const) {
      const run = await runProgram(entry, ["--json", file]);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(says);
    }
  });

  // A mistake in the flags is one sentence and exit code 2, never a stack trace.
  it("rejects an unknown target in one line", async () => {
    const run = await runProgram(entry, ["--only", "phase9"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain('unknown target "phase9"');
  });
});
