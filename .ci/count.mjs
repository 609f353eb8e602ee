// Sums the vitest JSON reports of every package into "N passed, N failed".
// A failing step that runs no vitest test (typecheck, lint, the diffs
// check) counts as one failure, so a red run never prints "0 failed".
import { existsSync, readdirSync, readFileSync } from "node:fs";

const status = Number(process.argv[2] ?? "1");
let passed = 0;
let failed = 0;
for (const name of readdirSync("packages")) {
  const file = `packages/${name}/.vitest-report.json`;
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  console.log(`${name}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
if (status !== 0 && failed === 0) {
  console.log(
    "a check outside the test suites failed (typecheck, lint or the diffs check): see above",
  );
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
