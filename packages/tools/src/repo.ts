// Where the tools work: the repository this package sits in, or another one
// named with --root (the tests point that at throwaway repositories).
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type FlagSpec, type FlagValues, UsageError } from "@rah/core";

/** The checkout this file belongs to: packages/tools/src/ -> three folders up. */
export const defaultRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** The --root flag, shared by pnpm diffs and pnpm forward. */
export const rootFlag: Record<string, FlagSpec> = {
  root: {
    type: "string",
    value: "<dir>",
    description: "the repository to work in (default: this checkout)",
  },
};

/** The repository root from --root, or this checkout; it must hold a packages/ folder. */
export function rootFrom(values: FlagValues): string {
  const given = values.root;
  if (typeof given !== "string") return defaultRoot;
  const root = path.resolve(given);
  const packages = path.join(root, "packages");
  if (!existsSync(packages) || !statSync(packages).isDirectory()) {
    throw new UsageError(
      `--root ${given} has no packages/ folder: name the repository's top folder`,
    );
  }
  return root;
}
