// pnpm demo: flags in (only --help), every phase's demo run in order
// (../demo.ts), a closing line out. Ctrl-C ends it at once: no handler.
import { type Program, parseFlags } from "@rah/core";
import { type DemoCommand, pnpmDemo, runDemos } from "../demo.ts";
import { listPhases } from "../phases.ts";
import { defaultRoot } from "../repo.ts";
import type { Io } from "./io.ts";

export const demoProgram: Program = {
  usage: "pnpm demo [flags]",
  role: "tool",
  summary:
    "Runs every phase's demo in order (pnpm --filter <phase> demo): each starts its server on a free port, runs its clients and narrates what happens. Ctrl-C stops it at once.",
  examples: ["pnpm demo", "pnpm --filter phase2-framing demo   (one phase only)"],
};

/** Runs pnpm demo; a mistake or a failed demo is thrown as a UserError. */
export async function runDemo(
  argv: string[],
  io: Io,
  command: DemoCommand = pnpmDemo,
): Promise<number> {
  parseFlags(argv, demoProgram);
  const phases = listPhases(defaultRoot).map((p) => p.name);
  await runDemos(defaultRoot, phases, command);
  io.out(
    `\nAll ${phases.length} demos ran. Next: pnpm --filter phase1-echo start, then read packages/phase1-echo/README.md`,
  );
  return 0;
}
