// Node servers are benchmarked as JavaScript compiled ahead of time from
// their own entry point (src/bin/server.ts), the way a deployment would run
// them. Under `node --import tsx` the same code also carries tsx's loader
// thread and compiler, about 35 MB of RSS and some CPU that belong to the
// development tooling, not to the server being measured.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";

let dir: string | null = null;
const compiled = new Map<string, Promise<string>>();

/** Bundles `entry` (TypeScript, with its workspace imports) into one .mjs file; once per run. */
export function compileEntry(entry: string, name: string): Promise<string> {
  let script = compiled.get(entry);
  if (!script) {
    if (dir === null) {
      const made = mkdtempSync(join(tmpdir(), "rah-bench-"));
      dir = made;
      process.on("exit", () => rmSync(made, { recursive: true, force: true }));
    }
    const outfile = join(dir, `${name}.mjs`);
    script = build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
    }).then(() => outfile);
    compiled.set(entry, script);
  }
  return script;
}
