// Phase 2 runs the shared specs: framing and one client at a time over raw
// TCP against its server in this process (logging off), and its programs
// as real processes.
import { fileURLToPath } from "node:url";
import { silentLogger } from "@rah/core";
import { framingSpecs, programSpecs, servingSpecs } from "@rah/specs";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { startServer } from "../src/server.ts";

const bin = (name: string) => fileURLToPath(new URL(`../src/bin/${name}.ts`, import.meta.url));

const target = {
  name: "phase2-framing",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
};

framingSpecs({ ...target, maxMessage: MAX_MESSAGE });
servingSpecs(target, { concurrent: false });

programSpecs({
  name: "phase2-framing",
  server: bin("server"),
  client: bin("client"),
  demo: bin("demo"),
  request: { args: ["hello"], output: "hello\n" },
  requestLog: /\] client says: "hello" \(5 bytes\)$/m,
});
