export {
  type Finished,
  type RunningProgram,
  runProgram,
  spawnProgram,
  startServerProcess,
} from "./process.ts";
export { type ClientEnd, openClient, type RawClient } from "./raw-client.ts";
export { sleep, withTimeout } from "./time.ts";
export { reportFile } from "./vitest-report.ts";
