// Phase 5 runs the shared specs: the key-value commands (status replies)
// and many clients at once over raw TCP against its server in this process
// (logging off), and its programs as real processes.
import { fileURLToPath } from "node:url";
import { silentLogger } from "@rah/core";
import { kvRequest, kvSpecs, programSpecs, servingSpecs, statusReply } from "@rah/specs";
import { startServer } from "../src/server.ts";

const bin = (name: string) => fileURLToPath(new URL(`../src/bin/${name}.ts`, import.meta.url));

const target = {
  name: "phase5-hashtable",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
};

kvSpecs({ ...target, replies: "status" });
// Any request and its reply: a get of a key nobody set, a miss.
servingSpecs(target, {
  concurrent: true,
  probe: { request: (label) => kvRequest("get", label), reply: () => statusReply(2) },
});

programSpecs({
  name: "phase5-hashtable",
  server: bin("server"),
  client: bin("client"),
  demo: bin("demo"),
  request: { args: ["get", "hello"], output: "server says: [2] \n" },
  requestLog: /\] client says: get hello$/m,
});
