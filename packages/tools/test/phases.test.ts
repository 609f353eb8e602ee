import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { UsageError, UserError } from "@rah/core";
import { describe, expect, it } from "vitest";
import { findPhase, listPhases } from "../src/phases.ts";
import { tempDir } from "./repo-fixture.ts";

/** A root with packages/<name> folders (no git needed to list phases). */
function rootWith(...names: string[]): string {
  const root = tempDir("phases");
  for (const name of names) mkdirSync(path.join(root, "packages", name), { recursive: true });
  return root;
}

describe("listPhases", () => {
  // Shows: phases sort by their number, so phase10 comes after phase9, not after phase1.
  it("orders phases by number and ignores other packages", () => {
    const root = rootWith("phase10-ten", "phase2-b", "core", "phase1-a", "phase9-nine", "specs");
    writeFileSync(path.join(root, "packages", "phase3-file"), "a file, not a phase");
    expect(listPhases(root).map((p) => p.name)).toEqual([
      "phase1-a",
      "phase2-b",
      "phase9-nine",
      "phase10-ten",
    ]);
  });

  // Shows: two folders with one number would make "the phase before" ambiguous: refused.
  it("refuses two phases with the same number", () => {
    const root = rootWith("phase1-a", "phase2-b", "phase2-c");
    expect(() => listPhases(root)).toThrow(UserError);
    expect(() => listPhases(root)).toThrow(
      "two phases share the number 2 (phase2-b and phase2-c): rename one so the order is clear",
    );
  });
});

describe("findPhase", () => {
  const phases = listPhases(rootWith("phase1-echo", "phase2-framing", "phase10-ten"));

  // Shows: the short name, the full name and a tab-completed path all name the same phase.
  it("accepts phase1, phase1-echo and packages/phase1-echo/", () => {
    for (const word of ["phase1", "phase1-echo", "packages/phase1-echo/", "./packages/phase1-echo"])
      expect(findPhase(phases, word).name).toBe("phase1-echo");
    expect(findPhase(phases, "phase10").name).toBe("phase10-ten");
  });

  // Shows: anything else is one usage sentence that lists the phases.
  it("refuses an unknown phase, listing the known ones", () => {
    for (const word of ["phase3", "echo", "phase1-ech", "1"]) {
      expect(() => findPhase(phases, word)).toThrow(UsageError);
      expect(() => findPhase(phases, word)).toThrow(
        `unknown phase "${word}": the phases are phase1-echo, phase2-framing, phase10-ten`,
      );
    }
  });
});
