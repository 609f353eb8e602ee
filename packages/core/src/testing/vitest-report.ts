// Shared vitest settings: real sockets need more than the 5 s default on a
// busy 2-core CI machine, and every run also writes a JSON report that
// .ci/run sums into its "N passed, N failed" line.
export function reportFile() {
  return {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ["test/**/*.test.ts"],
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]] as [
      string,
      [string, { outputFile: string }],
    ],
  };
}
