// Phase 3 runs the shared specs: framing and many clients at once over raw
// TCP against its server in this process (logging off), and its programs
// as real processes.
import { fileURLToPath } from "node:url";
import { silentLogger } from "@rah/core";
import { framingSpecs, programSpecs, servingSpecs } from "@rah/specs";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { startServer } from "../src/server.ts";

const bin = (name: string) => fileURLToPath(new URL(`../src/bin/${name}.ts`, import.meta.url));

const target = {
  name: "phase3-eventloop",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
};

// The 32 MiB limit is too big to build a payload of for every test run, so
// the "exactly the limit" spec runs against a second server with 4096 bytes.
framingSpecs({
  ...target,
  maxMessage: MAX_MESSAGE,
  startWithLimit: (limit: number) =>
    startServer({ host: "127.0.0.1", port: 0, log: silentLogger, maxMessage: limit }),
});
servingSpecs(target, { concurrent: true });

programSpecs({
  name: "phase3-eventloop",
  server: bin("server"),
  client: bin("client"),
  demo: bin("demo"),
  request: { args: ["hello"], output: "hello\n" },
  requestLog: /\] client says: "hello" \(5 bytes\)$/m,
});
