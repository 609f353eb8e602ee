import { existsSync } from "node:fs";
import path from "node:path";
import { UsageError } from "@rah/core";
import { describe, expect, it } from "vitest";
import { defaultRoot, rootFrom } from "../src/repo.ts";
import { makeRepo } from "./repo-fixture.ts";

describe("rootFrom", () => {
  // Shows: without --root the tools work on the checkout they are part of.
  it("defaults to this checkout", () => {
    expect(rootFrom({})).toBe(defaultRoot);
    expect(existsSync(path.join(defaultRoot, "packages", "tools", "src", "repo.ts"))).toBe(true);
  });

  // Shows: --root takes a repository's top folder, relative or absolute.
  it("takes a folder with packages/ in it", () => {
    const repo = makeRepo({ "packages/phase1-a/x": "x\n" });
    expect(rootFrom({ root: repo.root })).toBe(repo.root);
    expect(rootFrom({ root: path.relative(process.cwd(), repo.root) })).toBe(repo.root);
  });

  // Shows: a folder without packages/ is one usage sentence.
  it("refuses a folder without packages/", () => {
    const bad = path.join("/", "no-such-dir");
    expect(() => rootFrom({ root: bad })).toThrow(UsageError);
    expect(() => rootFrom({ root: bad })).toThrow(
      "--root /no-such-dir has no packages/ folder: name the repository's top folder",
    );
  });
});
