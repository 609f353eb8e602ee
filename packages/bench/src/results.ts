// The shape of one bench run's results: what the report prints and what
// `--json` writes.
import type { LoadErrors, LoadResult } from "./loadgen.ts";
import type { Scenario, Settings } from "./scenarios.ts";
import type { Machine } from "./system.ts";
import type { TargetName } from "./targets.ts";

export type RunStatus = "ok" | "skipped" | "failed";

export interface ServerStats {
  /** Server CPU time while measuring, in % of one core; null when /proc is not there. */
  cpuPercent: number | null;
  /** Server CPU time (user + system) per request answered while measuring, µs. */
  cpuPerRequest: number | null;
  /** Peak resident set of the server process (VmHWM), bytes. */
  peakRss: number | null;
}

export interface RunResult {
  target: TargetName;
  status: RunStatus;
  /** Why a run is skipped or failed. */
  note?: string;
  load?: LoadResult;
  server?: ServerStats;
  /** The load generator's CPU time per request, µs. */
  loadgenCpuPerRequest?: number | null;
  /** The load generator used >= 90% of its core while the server had CPU to spare. */
  loadgenBound?: boolean;
  /** Fairness: the polite client's run (`load` is the greedy one's). */
  polite?: LoadResult;
  /** Scenarios measured in steps (zadd, then zquery at each offset): which one this is. */
  step?: string;
  /** Rehash: the probing client's run (`load` is the inserting one's). */
  probe?: LoadResult;
  /** Rehash: what the keys cost in memory. */
  keyMemory?: KeyMemory;
}

export interface KeyMemory {
  /** Keys inserted. */
  keys: number;
  /** Server RSS before the inserts and once they are done, bytes. */
  rssBefore: number | null;
  rssAfter: number | null;
  /** (rssAfter - rssBefore) / keys. */
  bytesPerKey: number | null;
  /** How many keys the server could hold, and what limits it. */
  capacity: number | null;
  capacityNote: string;
}

export interface ScenarioResult {
  scenario: Scenario;
  runs: RunResult[];
}

export interface IdleResult {
  target: TargetName;
  status: RunStatus;
  note?: string;
  /** Connections asked for, and those open (each answered one request) when RSS was read. */
  connections: number;
  open: number;
  /** Server RSS before connecting and with every connection open, bytes. */
  rssBefore: number | null;
  rssAfter: number | null;
  errors: LoadErrors | null;
}

export interface PipelineResult {
  target: TargetName;
  status: RunStatus;
  note?: string;
  small: number;
  large: number;
  /** Median time of each pipeline, ms. */
  smallMs: number;
  largeMs: number;
  /** largeMs / smallMs: 10 when the cost is exactly linear. */
  ratio: number;
  errorCount: number;
}

export interface TargetInfo {
  name: TargetName;
  short: string;
  available: boolean;
  /** Why a target is left out. */
  note?: string;
}

export interface BenchResults {
  /** ISO time the run started. */
  date: string;
  command: string;
  machine: Machine;
  pinning: string;
  /** The open-files limit given to server and load generator, and why. */
  fdNote: string;
  settings: Settings;
  targets: TargetInfo[];
  scenarios: ScenarioResult[];
  idle: IdleResult[];
  /** RSS of a Node process doing nothing, plain and under tsx, bytes. */
  baselineRss: { node: number | null; tsx: number | null };
  pipeline: PipelineResult[];
  /**
   * The 1-minute load average when the run started (other work on the
   * machine) and when it ended (which includes the bench's own two busy
   * processes).
   */
  loadAverage: { start: number; end: number };
  /** Total seconds the run took. */
  seconds: number;
}
