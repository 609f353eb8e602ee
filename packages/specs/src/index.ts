export type { RunningTarget, Target } from "./target.ts";
