// What `pnpm bench` measures, and for how long.

export interface Scenario {
  id: string;
  title: string;
  connections: number;
  /** Requests each connection keeps in flight (1 = wait for each reply). */
  inFlight: number;
  payloadSize: number;
}

/** Small enough to measure the server's per-request cost, not memcpy. */
const SMALL = 16;

export const scenarios: Scenario[] = [
  { id: "1-client", title: "1 client", connections: 1, inFlight: 1, payloadSize: SMALL },
  { id: "50-clients", title: "50 clients", connections: 50, inFlight: 1, payloadSize: SMALL },
  {
    id: "50-clients-x16",
    title: "50 clients, 16 in flight",
    connections: 50,
    inFlight: 16,
    payloadSize: SMALL,
  },
  { id: "1000-clients", title: "1000 clients", connections: 1000, inFlight: 1, payloadSize: SMALL },
  {
    id: "50-clients-64k",
    title: "50 clients, 64 KiB payloads",
    connections: 50,
    inFlight: 1,
    payloadSize: 64 * 1024,
  },
];

export interface Settings {
  mode: "quick" | "full";
  /** Rounds per scenario and target, taken in turn across the targets; the median is reported. */
  rounds: number;
  /** Load before measuring, per round. */
  warmupMs: number;
  /** Warm-up goes on while connections still get their first reply, until none has for this long. */
  warmupStallMs: number;
  /** Measured time per round. */
  durationMs: number;
  /** Wait for the replies still due after a run. */
  graceMs: number;
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
    : `${s.rounds} rounds of ${each} per target, taken in turn across targets; the median round is shown`;
}

export function settingsFor(quick: boolean, durationSeconds?: number): Settings {
  const base: Settings = quick
    ? {
        mode: "quick",
        rounds: 1,
        warmupMs: 100,
        warmupStallMs: 300,
        durationMs: 400,
        graceMs: 500,
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
        idleConnections: 10_000,
        idleSettleMs: 1000,
        pipelineSmall: 20_000,
        pipelineLarge: 200_000,
        pipelineRepeats: 5,
        payloadSize: SMALL,
      };
  return durationSeconds === undefined ? base : { ...base, durationMs: durationSeconds * 1000 };
}
