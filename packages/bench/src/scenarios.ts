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
//   rehash      one client inserts keys as fast as it can while another gets
//               one key every millisecond: the second one's worst latency,
//               and memory per key (phase 5, the hashtable)
//   zset        a sorted set of a million members: zquery at a large offset
//               against a small one, and zadd (phase 8)
// Which targets run a scenario is up to the targets (targets.ts: each lists
// the scenario ids that apply to it); what they are sent follows from the
// target's protocol (`workload`). A new phase adds its scenarios here and
// its target there.
import type { KvReplies } from "./kv-workloads.ts";
import type { WorkloadSpec } from "./workloads.ts";

/**
 * What a target speaks: the frame echo (phases 2, 3), RESP (Redis), or the
 * book's requests with chapter 7's status replies (phases 4, 5) or chapter
 * 9's typed replies (phases 6 to 8).
 */
export type Protocol = "frame" | "resp" | "kv-status" | "kv-typed";

interface Base {
  id: string;
  title: string;
  /** The target whose ratios to the others are reported ("phase3"). */
  subject: string;
}

export interface ThroughputScenario extends Base {
  kind: "throughput";
  /** What is sent: the echo (payloadSize bytes), or the key-value get/set mix (payloadSize-byte values). */
  work: "echo" | "kv-mix";
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

export interface RehashScenario extends Base {
  kind: "rehash";
  /** Keys the inserting client adds, in a full run and in a --quick one. */
  keys: number;
  quickKeys: number;
  valueSize: number;
  /** Requests the inserting client keeps in flight. */
  inFlight: number;
  /** The probing client's gets per second. */
  probeRate: number;
}

export interface ZsetScenario extends Base {
  kind: "zset";
  /** Members added to the set (full run, --quick); zquery then starts at offset 0 and at half. */
  members: number;
  quickMembers: number;
  /** zquery's limit: elements in the reply (name, score, name, score, ...). */
  limit: number;
  /** Connections sending zquery, one request in flight each. */
  connections: number;
}

export type Scenario =
  | ThroughputScenario
  | FixedRateScenario
  | FairnessScenario
  | RehashScenario
  | ZsetScenario;

/** Which replies a key-value protocol carries. */
export function repliesOf(protocol: Protocol): KvReplies {
  return protocol === "kv-typed" ? "typed" : "status";
}

/** What a target of this protocol is sent in an echo scenario. */
export function echoWorkload(protocol: Protocol, payloadSize: number): WorkloadSpec {
  if (protocol !== "frame" && protocol !== "resp") {
    throw new Error(`an echo scenario cannot run against a ${protocol} server`);
  }
  return { kind: "echo", protocol, payloadSize };
}

/** Keys each connection of the get/set mix works on. */
export const KEYS_PER_CONNECTION = 100;

/** What a throughput scenario sends to a target of this protocol. */
export function throughputWorkload(s: ThroughputScenario, protocol: Protocol): WorkloadSpec {
  if (s.work === "echo") return echoWorkload(protocol, s.payloadSize);
  return {
    kind: "kv-mix",
    replies: repliesOf(protocol),
    keysPerConnection: KEYS_PER_CONNECTION,
    valueSize: s.payloadSize,
  };
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
  return {
    kind: "throughput",
    work: "echo",
    id,
    title,
    subject: "phase3",
    connections,
    inFlight,
    payloadSize,
  };
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
  // Phases 4 to 8: run when their packages exist.
  {
    kind: "throughput",
    work: "kv-mix",
    id: "kv-mix",
    title: "50 clients, get/set mix, 16 in flight",
    subject: "phase4",
    connections: 50,
    inFlight: 16,
    payloadSize: 32,
  },
  {
    kind: "rehash",
    id: "rehash",
    title: "Inserting keys while another client reads",
    subject: "phase5",
    keys: 4_000_000,
    quickKeys: 50_000,
    valueSize: 8,
    inFlight: 1000,
    probeRate: 1000,
  },
  {
    kind: "zset",
    id: "zset",
    title: "zquery at a small and a large offset",
    subject: "phase8",
    members: 1_000_000,
    quickMembers: 20_000,
    limit: 10,
    connections: 50,
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
