// Phase 2 runs the framing and one-client-at-a-time specs against its server, in this process, with logging off.
import { silentLogger } from "@rah/core";
import { framingSpecs, servingSpecs } from "@rah/specs";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { startServer } from "../src/server.ts";

const target = {
  name: "phase2-framing",
  start: () => startServer({ host: "127.0.0.1", port: 0, log: silentLogger }),
};

framingSpecs({ ...target, maxMessage: MAX_MESSAGE });
servingSpecs(target, { concurrent: false });
