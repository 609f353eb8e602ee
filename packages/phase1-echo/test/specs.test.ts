// Phase 1 runs the shared specs: echo over raw TCP against its server in
// this process (logging off), and its programs as real processes.
import { fileURLToPath } from "node:url";
import { silentLogger } from "@rah/core";
import { echoSpecs, programSpecs } from "@rah/specs";
import { startServer } from "../src/server.ts";

const bin = (name: string) => fileURLToPath(new URL(`../src/bin/${name}.ts`, import.meta.url));

echoSpecs({
  name: "phase1-echo",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
});

programSpecs({
  name: "phase1-echo",
  server: bin("server"),
  client: bin("client"),
  demo: bin("demo"),
  request: { args: ["hello"], output: "hello\n" },
  requestLog: /\] read 5 bytes$/m,
});
