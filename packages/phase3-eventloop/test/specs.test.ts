// The shared black-box specs, run against this phase's server over real TCP.
import { silentLogger } from "@rah/core";
import { framingSpecs, servingSpecs, type Target } from "@rah/specs";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { MAX_CONNECTIONS, startServer } from "../src/server.ts";

const options = { host: "127.0.0.1", port: 0, log: silentLogger, maxConnections: MAX_CONNECTIONS };

const target: Target = {
  name: "phase3-eventloop",
  start: () => startServer({ ...options, maxMessage: MAX_MESSAGE }),
};

framingSpecs({
  ...target,
  maxMessage: MAX_MESSAGE,
  startWithLimit: (limit) => startServer({ ...options, maxMessage: limit }),
});
servingSpecs(target, { concurrent: true });
