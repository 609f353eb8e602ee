// Phase 3 runs the framing and many-clients-at-once specs against its server, in this process, with logging off.
import { silentLogger } from "@rah/core";
import { framingSpecs, servingSpecs } from "@rah/specs";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { MAX_CONNECTIONS, startServer } from "../src/server.ts";

const options = { host: "127.0.0.1", port: 0, log: silentLogger, maxConnections: MAX_CONNECTIONS };

const target = {
  name: "phase3-eventloop",
  start: () => startServer({ ...options, maxMessage: MAX_MESSAGE }),
};

// The 32 MiB limit is too big to build a payload of for every test run, so
// the "exactly the limit" spec runs against a second server with 4096 bytes.
framingSpecs({
  ...target,
  maxMessage: MAX_MESSAGE,
  startWithLimit: (limit: number) => startServer({ ...options, maxMessage: limit }),
});
servingSpecs(target, { concurrent: true });
