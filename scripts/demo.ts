// `pnpm demo`: every phase's demo, in order.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";

const phases = readdirSync(new URL("../packages", import.meta.url))
  .filter((name) => /^phase\d+-/.test(name))
  .sort((a, b) => Number.parseInt(a.slice(5), 10) - Number.parseInt(b.slice(5), 10));

for (const phase of phases) {
  const run = spawnSync("pnpm", ["--silent", "--filter", phase, "demo"], { stdio: "inherit" });
  if (run.status !== 0) {
    console.error(`error: the ${phase} demo failed (exit code ${run.status ?? run.signal})`);
    process.exit(1);
  }
}
console.log(
  `\nAll ${phases.length} demos ran. Next: pnpm --filter phase1-echo start, then read packages/phase1-echo/README.md`,
);
