// Entry point: `pnpm demo`. Runs every phase's demo in order (../demo.ts);
// exit 1 if one fails. Ctrl-C ends it at once: no handler is installed.
import { main, type Program, parseFlags } from "@rah/core";
import { runDemos } from "../demo.ts";
import { listPhases } from "../phases.ts";
import { defaultRoot } from "../repo.ts";

const program: Program = {
  usage: "pnpm demo [flags]",
  role: "tool",
  summary:
    "Runs every phase's demo in order (pnpm --filter <phase> demo): each starts its server on a free port, runs its clients and narrates what happens. Ctrl-C stops it at once.",
  examples: ["pnpm demo", "pnpm --filter phase2-framing demo   (one phase only)"],
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const phases = listPhases(defaultRoot).map((p) => p.name);
    await runDemos(defaultRoot, phases);
    console.log(
      `\nAll ${phases.length} demos ran. Next: pnpm --filter phase1-echo start, then read packages/phase1-echo/README.md`,
    );
    return 0;
  },
  { onSignal: "exit" },
);
