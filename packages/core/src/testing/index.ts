export { captureLog } from "./capture-log.ts";
export { type FakeConnection, fakeConnection } from "./fake-connection.ts";
export {
  type Finished,
  type RunningProgram,
  runProgram,
  spawnProgram,
  startServerProcess,
} from "./process.ts";
export { type ClientEnd, openClient, type RawClient } from "./raw-client.ts";
export { startTestServer, type TestServer, unusedPort } from "./servers.ts";
export { byteByByte, splitAt } from "./splits.ts";
export { sleep, withTimeout } from "./time.ts";
export { reportFile } from "./vitest-report.ts";
