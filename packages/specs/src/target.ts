// What a spec needs from a phase: a way to start a fresh server on
// 127.0.0.1 with a free port, and to stop it.

export interface RunningTarget {
  readonly port: number;
  close(): Promise<void>;
}

export interface Target {
  /** The phase's name, for test titles: "phase2-framing". */
  name: string;
  /** Starts a server on 127.0.0.1, port 0, with logging off. */
  start(): Promise<RunningTarget>;
}
