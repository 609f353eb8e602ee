// Phase 8 runs the shared specs: the key-value commands (typed replies), the
// sorted-set commands and many clients at once over raw TCP against its
// server in this process (logging off), and its programs as real processes.
import { fileURLToPath } from "node:url";
import { silentLogger } from "@rah/core";
import { kvRequest, kvSpecs, programSpecs, servingSpecs, typed, zsetSpecs } from "@rah/specs";
import { startServer } from "../src/server.ts";

const bin = (name: string) => fileURLToPath(new URL(`../src/bin/${name}.ts`, import.meta.url));

const target = {
  name: "phase8-zset",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
};

kvSpecs({ ...target, replies: "typed" });
zsetSpecs(target);
// Any request and its reply: a get of a key nobody set, a miss.
servingSpecs(target, {
  concurrent: true,
  probe: { request: (label) => kvRequest("get", label), reply: () => typed.nil() },
});

programSpecs({
  name: "phase8-zset",
  server: bin("server"),
  client: bin("client"),
  demo: bin("demo"),
  request: { args: ["get", "hello"], output: "(nil)\n" },
  requestLog: /\] client says: get hello$/m,
});
