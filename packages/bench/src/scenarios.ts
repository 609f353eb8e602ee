// What `pnpm bench` measures, and for how long.
//
// A scenario is one kind of measurement with its shape:
//   throughput  a closed loop (n clients, p requests in flight each) as fast
//               as the server answers: CPU per request, requests/s, latency
//   fixed-rate  an open loop at a fixed request rate, below every target's
//               ceiling: latency at the same offered load (schedule.ts)
//   fairness    a greedy client pipelining nonstop and a polite one sending
//               one request at a time on the same server: the polite one's
//               latency
// Which targets run a scenario is up to the targets (targets.ts: each lists
// the scenario ids that apply to it); what they are sent follows from the
// target's protocol (`workload`). A new phase adds its scenarios here and
// its target there.
import type { WorkloadSpec } from "./workloads.ts";

/** What a target speaks, as far as scenarios care. */
export type Protocol = "frame" | "resp";

interface Base {
  id: string;
  title: string;
  /** The target whose ratios to the others are reported ("phase3"). */
  subject: string;
}

export interface ThroughputScenario extends Base {
  kind: "throughput";
  connections: number;
  /** Requests each connection keeps in flight (1 = wait for each reply). */
  inFlight: number;
  payloadSize: number;
}

export interface FixedRateScenario extends Base {
  kind: "fixed-rate";
  connections: number;
  /** Requests per second over all connections. */
  rate: number;
  payloadSize: number;
}

export interface FairnessScenario extends Base {
  kind: "fairness";
  /**
   * Requests the greedy client keeps in flight: it never waits. 131,072
   * requests of 36 bytes are 4.5 MiB, more than the 2 MiB Node reads from
   * one socket in a loop turn, so the server always finds a full turn's worth.
   */
  greedyInFlight: number;
  payloadSize: number;
}

export type Scenario = ThroughputScenario | FixedRateScenario | FairnessScenario;

/** What a target of this protocol is sent in an echo scenario. */
export function echoWorkload(protocol: Protocol, payloadSize: number): WorkloadSpec {
  return { kind: "echo", protocol, payloadSize };
}

/** Small enough to measure the server's per-request cost, not memcpy. */
const SMALL = 16;

function throughput(
  id: string,
  title: string,
  connections: number,
  inFlight: number,
  payloadSize = SMALL,
): ThroughputScenario {
  return { kind: "throughput", id, title, subject: "phase3", connections, inFlight, payloadSize };
}

export const scenarios: Scenario[] = [
  throughput("1-client", "1 client", 1, 1),
  throughput("50-clients", "50 clients", 50, 1),
  throughput("50-clients-x16", "50 clients, 16 in flight", 50, 16),
  throughput("1000-clients", "1000 clients", 1000, 1),
  throughput("50-clients-64k", "50 clients, 64 KiB payloads", 50, 1, 64 * 1024),
  {
    kind: "fixed-rate",
    id: "fixed-rate",
    title: "20,000 requests/s over 50 connections",
    subject: "phase3",
    connections: 50,
    rate: 20_000,
    payloadSize: SMALL,
  },
  {
    kind: "fairness",
    id: "fairness",
    title: "A greedy pipeliner and a polite client",
    subject: "phase3",
    greedyInFlight: 131_072,
    payloadSize: 32,
  },
];

export function scenarioById(id: string): Scenario | undefined {
  return scenarios.find((s) => s.id === id);
}

export interface Settings {
  mode: "quick" | "full";
  /** Rounds per throughput scenario and target, taken in turn across the targets; the median is reported. */
  rounds: number;
  /** Load before measuring, per round. */
  warmupMs: number;
  /** Warm-up goes on while connections still get their first reply, until none has for this long. */
  warmupStallMs: number;
  /** Measured time per round. */
  durationMs: number;
  /** Wait for the replies still due after a run. */
  graceMs: number;
  /** Measured time of the fixed-rate and fairness runs (one round each). */
  latencyMs: number;
  /** Idle connections held open against one server (the memory figure). */
  idleConnections: number;
  /** The pipeline figure: time(large) / time(small), each the median of `pipelineRepeats`. */
  pipelineSmall: number;
  pipelineLarge: number;
  pipelineRepeats: number;
  /** How long idle connections sit before the server's memory is read. */
  idleSettleMs: number;
  /** Payload of the idle and pipeline requests. */
  payloadSize: number;
}

/** "3 rounds of 0.5 s warm-up + 1.5 s measured, median shown": for the report. */
export function describeRounds(s: Settings): string {
  const each = `${s.warmupMs / 1000} s warm-up + ${s.durationMs / 1000} s measured`;
  return s.rounds === 1
    ? `one round of ${each} per target`
    : `${s.rounds} rounds of ${each} per target, taken in turn across targets; the round with the median CPU per request is shown`;
}

export function settingsFor(quick: boolean, durationSeconds?: number): Settings {
  const base: Settings = quick
    ? {
        mode: "quick",
        rounds: 1,
        warmupMs: 100,
        warmupStallMs: 300,
        durationMs: 300,
        graceMs: 500,
        latencyMs: 400,
        idleConnections: 1000,
        idleSettleMs: 200,
        pipelineSmall: 20_000,
        pipelineLarge: 200_000,
        pipelineRepeats: 1,
        payloadSize: SMALL,
      }
    : {
        mode: "full",
        rounds: 3,
        warmupMs: 500,
        warmupStallMs: 1000,
        durationMs: 1500,
        graceMs: 1000,
        latencyMs: 4000,
        idleConnections: 10_000,
        idleSettleMs: 1000,
        pipelineSmall: 20_000,
        pipelineLarge: 200_000,
        pipelineRepeats: 5,
        payloadSize: SMALL,
      };
  return durationSeconds === undefined ? base : { ...base, durationMs: durationSeconds * 1000 };
}
