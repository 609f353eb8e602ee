import { describe, expect, it } from "vitest";
import { planBench } from "../src/bench.ts";
import { settingsFor } from "../src/scenarios.ts";

const plan = (only?: string[]) =>
  planBench({
    settings: settingsFor(true),
    redis: false,
    ...(only && { only: new Set(only) }),
    nodeArgs: [],
    command: "pnpm bench --quick",
    progress() {},
  });

describe("planBench", () => {
  // The key-value floor runs only alongside phase 4: a floor alone measures no chapter.
  it("runs the key-value floor only when phase 4 exists", () => {
    const { targets } = plan();
    const phase4 = targets.find((t) => t.name === "phase4-kv");
    const kvFloor = targets.find((t) => t.name === "kv-floor");
    expect(kvFloor?.available).toBe(phase4?.available);
    if (!phase4?.available) {
      expect(phase4?.note).toContain("packages/phase4-kv/src/bin/server.ts not found");
      expect(kvFloor?.note).toContain("once the phases they measure exist");
    }
  });

  // Redis needs --redis; --only leaves the others out, each with its reason.
  it("says why each target is left out", () => {
    const { targets, active } = plan(["floor"]);
    expect(active.map((t) => t.name)).toEqual(["floor"]);
    expect(targets.find((t) => t.name === "phase3-eventloop")?.note).toBe("not selected (--only)");
  });
});
