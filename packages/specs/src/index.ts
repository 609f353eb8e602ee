export { echoSpecs } from "./echo.ts";
export { frame, frames, header, readFrame, roundTrip } from "./frames.ts";
export { type FramingTarget, framingSpecs } from "./framing.ts";
export {
  type KvTarget,
  kvPayload,
  kvRequest,
  kvSpecs,
  statusReply,
  typed,
} from "./kv.ts";
export { type ProgramTarget, programSpecs } from "./programs.ts";
export { echoProbe, type Probe, type ServingOptions, servingSpecs } from "./serial.ts";
export type { RunningTarget, Target } from "./target.ts";
export { zsetSpecs } from "./zset.ts";
