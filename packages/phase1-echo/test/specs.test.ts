// Phase 1 runs the echo specs against its server, in this process, with logging off.
import { silentLogger } from "@rah/core";
import { echoSpecs } from "@rah/specs";
import { startServer } from "../src/server.ts";

echoSpecs({
  name: "phase1-echo",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
});
