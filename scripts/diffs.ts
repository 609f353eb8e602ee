// `pnpm diffs`: writes docs/diffs/<phase>.diff, the `diff -ruN` of each
// phase's src/ and test/ against the phase before it: the lesson of each
// chapter as an instructor sees it. `pnpm diffs --check` fails when a
// checked-in diff is stale. Never edit these files by hand.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packages = join(root, "packages");
const out = join(root, "docs", "diffs");
const check = process.argv.includes("--check");

const phases = readdirSync(packages)
  .filter((name) => /^phase\d+-/.test(name))
  .sort((a, b) => Number.parseInt(a.slice(5), 10) - Number.parseInt(b.slice(5), 10));

function diff(before: string, after: string, dir: string): string {
  // Relative paths, run from packages/, so the headers read "phase1-echo/src/server.ts".
  const run = spawnSync("diff", ["-ruN", `${before}/${dir}`, `${after}/${dir}`], {
    cwd: packages,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0 && run.status !== 1) {
    console.error(
      `error: diff failed (${run.error?.message ?? run.stderr.trim()}); is diffutils installed?`,
    );
    process.exit(2);
  }
  // diff prints file times in its headers; drop them so the output only changes with the code.
  return run.stdout.replace(/^((?:---|\+\+\+) \S+)\t.*$/gm, "$1");
}

const stale: string[] = [];
for (let i = 1; i < phases.length; i++) {
  const before = phases[i - 1] ?? "";
  const after = phases[i] ?? "";
  const text = `${diff(before, after, "src")}${diff(before, after, "test")}`;
  const file = join(out, `${after}.diff`);
  const current = existsSync(file) ? readFileSync(file, "utf8") : null;
  if (current === text) continue;
  if (check) stale.push(`docs/diffs/${after}.diff`);
  else {
    writeFileSync(file, text);
    console.log(`wrote docs/diffs/${after}.diff (${before} -> ${after})`);
  }
}

if (check && stale.length > 0) {
  console.error(
    `error: ${stale.join(", ")} ${stale.length === 1 ? "is" : "are"} stale: run \`pnpm diffs\` and commit the result`,
  );
  process.exit(1);
}
if (check) console.log(`docs/diffs is current (${phases.length - 1} diffs)`);
