// pnpm demo: every phase's demo, in phase order, each in its own process
// (`pnpm --filter <phase> demo`), stopping at the first that fails.
import { spawn } from "node:child_process";
import { errorCode, UserError } from "@rah/core";

/** How to start one phase's demo. */
export type DemoCommand = (phase: string) => { command: string; args: string[] };

export const pnpmDemo: DemoCommand = (phase) => ({
  command: "pnpm",
  args: ["--silent", "--filter", phase, "demo"],
});

/**
 * Runs the demos one after another in `cwd`, output straight to this
 * terminal; throws a UserError naming the first demo that fails. No signal
 * handler: Ctrl-C reaches the demo and this process alike and ends both.
 */
export async function runDemos(
  cwd: string,
  phases: readonly string[],
  command: DemoCommand = pnpmDemo,
): Promise<void> {
  for (const phase of phases) {
    const { command: file, args } = command(phase);
    const child = spawn(file, args, { cwd, stdio: "inherit" });
    const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
      (resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal }));
      },
    ).catch((err: unknown) => {
      if (errorCode(err) === "ENOENT") {
        throw new UserError(`${file} is not on PATH: install it, or run pnpm demo through pnpm`, {
          cause: err,
        });
      }
      throw err;
    });
    if (result.code !== 0) {
      const how = result.signal ? `ended by ${result.signal}` : `exit code ${result.code}`;
      throw new UserError(
        `the ${phase} demo failed (${how}): run pnpm --filter ${phase} demo to see it alone`,
      );
    }
  }
}
