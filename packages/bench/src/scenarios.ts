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
  /** Load before measuring, per run. */
  warmupMs: number;
  /** Measured time per run. */
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

export function settingsFor(quick: boolean, durationSeconds?: number): Settings {
  const base: Settings = quick
    ? {
        mode: "quick",
        warmupMs: 100,
        durationMs: 400,
        graceMs: 500,
        idleConnections: 1000,
        idleSettleMs: 300,
        pipelineSmall: 20_000,
        pipelineLarge: 200_000,
        pipelineRepeats: 1,
        payloadSize: SMALL,
      }
    : {
        mode: "full",
        warmupMs: 1000,
        durationMs: 5000,
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
