import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UserError } from "@rah/core";
import { describe, expect, it } from "vitest";
import { type DemoCommand, pnpmDemo, runDemos } from "../src/demo.ts";
import { tempDir } from "./repo-fixture.ts";

/** A real process per phase that notes its phase in `log` and exits with `codes[phase]` (0 if absent). */
function noting(log: string, codes: Record<string, number> = {}): DemoCommand {
  return (phase) => ({
    command: process.execPath,
    args: [
      "-e",
      `require("node:fs").appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(`${phase}\n`)}); process.exit(${codes[phase] ?? 0})`,
    ],
  });
}

describe("runDemos", () => {
  // Shows: each phase's demo runs through pnpm, in the folder given.
  it("starts each demo with pnpm --filter <phase> demo", () => {
    expect(pnpmDemo("phase2-framing")).toEqual({
      command: "pnpm",
      args: ["--silent", "--filter", "phase2-framing", "demo"],
    });
  });

  // Shows: the demos run one after another, in the order given.
  it("runs every demo in order", async () => {
    const log = path.join(tempDir("demo"), "log");
    writeFileSync(log, "");
    await runDemos(path.dirname(log), ["phase1-a", "phase2-b", "phase10-j"], noting(log));
    expect(readFileSync(log, "utf8")).toBe("phase1-a\nphase2-b\nphase10-j\n");
  });

  // Shows: the first demo that fails stops the run and is named, with its exit code.
  it("stops at the first demo that fails", async () => {
    const log = path.join(tempDir("demo"), "log");
    writeFileSync(log, "");
    const run = runDemos(
      path.dirname(log),
      ["phase1-a", "phase2-b", "phase3-c"],
      noting(log, { "phase2-b": 3 }),
    );
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(
      "the phase2-b demo failed (exit code 3): run pnpm --filter phase2-b demo to see it alone",
    );
    expect(readFileSync(log, "utf8")).toBe("phase1-a\nphase2-b\n");
  });

  // Shows: a missing program is one sentence, not a stack trace.
  it("says so when the command is missing", async () => {
    const missing: DemoCommand = () => ({ command: "rah-no-such-program", args: [] });
    await expect(runDemos(tempDir("demo"), ["phase1-a"], missing)).rejects.toThrow(
      "rah-no-such-program is not on PATH: install it, or run pnpm demo through pnpm",
    );
  });
});
