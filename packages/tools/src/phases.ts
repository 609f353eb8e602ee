// The phases: packages/phaseN-name folders, in phase-number order (phase10
// comes after phase9, not after phase1), and the names a user may type for one.
import { readdirSync } from "node:fs";
import path from "node:path";
import { UsageError, UserError } from "@rah/core";

export interface Phase {
  /** The folder name, "phase2-framing". */
  name: string;
  /** The N in phaseN, 2. */
  number: number;
}

const PHASE_FOLDER = /^phase(\d+)-[\w.-]+$/;

/** Every phase under root/packages, sorted by number; two phases with one number are refused. */
export function listPhases(root: string): Phase[] {
  const phases: Phase[] = [];
  for (const entry of readdirSync(path.join(root, "packages"), { withFileTypes: true })) {
    const match = PHASE_FOLDER.exec(entry.name);
    if (entry.isDirectory() && match) phases.push({ name: entry.name, number: Number(match[1]) });
  }
  phases.sort((a, b) => a.number - b.number);
  for (let i = 1; i < phases.length; i++) {
    const [before, after] = [phases[i - 1], phases[i]];
    if (before && after && before.number === after.number) {
      throw new UserError(
        `two phases share the number ${after.number} (${before.name} and ${after.name}): rename one so the order is clear`,
      );
    }
  }
  return phases;
}

/**
 * The phase a user named: "phase1", "phase1-echo", or a path such as
 * "packages/phase1-echo/" (what tab completion gives). Anything else is a
 * UsageError listing the phases.
 */
export function findPhase(phases: readonly Phase[], word: string): Phase {
  const name = word.replace(/\/+$/, "").replace(/^(\.\/)?packages\//, "");
  const number = /^phase(\d+)$/.exec(name)?.[1];
  const found = phases.find((p) =>
    number === undefined ? p.name === name : p.number === Number(number),
  );
  if (found) return found;
  const known = phases.map((p) => p.name).join(", ");
  throw new UsageError(`unknown phase "${word}": the phases are ${known || "(none)"}`);
}
