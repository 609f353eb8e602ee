// The servers under test, each started as a process of its own on a free
// loopback port, and what each speaks and runs:
//   phase2-framing, phase3-eventloop  through the phase's own entry point,
//                                     `src/bin/server.ts --port 0 --quiet`
//   phase3-logging                    phase 3 with its default logging, its
//                                     stdout going to /dev/null (fairness only)
//   phase4-kv ... phase8-zset         the same way, when they exist
//   floor                             ./bin/floor.ts (see floor-server.ts)
//   kv-floor                          ./bin/kv-floor.ts (kv-floor-server.ts)
// (the Node ones compiled ahead of time: see compile.ts)
//   redis                             `redis-server` from PATH, persistence off
// and how to read a running server's CPU time and memory from /proc.
//
// A target declares its protocol and the scenarios that apply to it (ids
// from scenarios.ts, plus "idle" and "pipeline" for the scaling figures).
// A phase whose entry point does not exist yet is skipped with a note.
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { compileEntry } from "./compile.ts";
import type { CpuTicks } from "./cpu.ts";
import { type Child, launch, launchNode } from "./process.ts";
import type { Protocol } from "./scenarios.ts";
import { cpuTicksOf, findOnPath, freePort, type Memory, memoryOf } from "./system.ts";

export type TargetName = string;

export interface StartOptions {
  cpu: number | null;
  fdLimit: number | null;
  /** Extra node flags for Node servers (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** Connections the server must be able to hold (redis needs --maxclients). */
  maxClients: number;
}

export interface RunningServer {
  readonly pid: number;
  readonly port: number;
  /** Null while it runs; what happened once it has exited on its own. */
  exitNote(): string | null;
  cpuTicks(): CpuTicks | null;
  memory(): Memory | null;
  stop(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** Short name for tables and ratios: "phase3". */
  short: string;
  protocol: Protocol;
  /** The scenarios (and scaling figures: "idle", "pipeline") this target runs. */
  scenarios: readonly string[];
  /** The most keys its store can hold whatever the memory (a V8 Map: 2^24); absent: memory decides. */
  maxKeys?: number;
  /** Why this target cannot run on this machine, or null. */
  unavailable(): string | null;
  start(options: StartOptions): Promise<RunningServer>;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const STARTUP_MS = 20_000;

function phaseEntry(phase: string): string {
  return `${root}packages/${phase}/src/bin/server.ts`;
}

/** The echo scenarios every frame server runs. */
const ECHO = ["1-client", "50-clients", "50-clients-x16", "1000-clients"];

function phase(
  name: TargetName,
  short: string,
  scenarios: readonly string[],
  options: { logging?: boolean; dir?: string; protocol?: Protocol; maxKeys?: number } = {},
): Target {
  const dir = options.dir ?? name;
  const entry = phaseEntry(dir);
  return {
    name,
    short,
    protocol: options.protocol ?? "frame",
    scenarios,
    ...(options.maxKeys !== undefined && { maxKeys: options.maxKeys }),
    unavailable: () => (existsSync(entry) ? null : `packages/${dir}/src/bin/server.ts not found`),
    start: async (start) => {
      const script = await compileEntry(entry, dir);
      if (!options.logging) {
        return startNodeServer([...start.nodeArgs, script, "--port", "0", "--quiet"], start);
      }
      // Logging on: every log line goes to /dev/null, so the port cannot be
      // read from the output; ask for a free one instead.
      const port = await freePort();
      const child = launchNode([...start.nodeArgs, script, "--port", String(port)], {
        ...start,
        stdout: "ignore",
      });
      return waitUntilListening(child, port, name);
    },
  };
}

const floorEntry = fileURLToPath(new URL("./bin/floor.ts", import.meta.url));
const kvFloorEntry = fileURLToPath(new URL("./bin/kv-floor.ts", import.meta.url));

/** V8 refuses a Map's 16,777,217th entry ("Map maximum size exceeded"). */
const MAP_MAX = 2 ** 24;

/** The smallest correct Node server for the book's chapter 7 protocol. */
export const kvFloor: Target = {
  name: "kv-floor",
  short: "kv-floor",
  protocol: "kv-status",
  scenarios: ["kv-mix"],
  maxKeys: MAP_MAX,
  unavailable: () => null,
  start: async (options) =>
    startNodeServer(
      [...options.nodeArgs, await compileEntry(kvFloorEntry, "kv-floor"), "--port", "0"],
      options,
    ),
};

export const floor: Target = {
  name: "floor",
  short: "floor",
  protocol: "frame",
  scenarios: [...ECHO, "50-clients-64k", "fixed-rate", "fairness", "idle", "pipeline"],
  unavailable: () => null,
  start: async (options) =>
    startNodeServer(
      [...options.nodeArgs, await compileEntry(floorEntry, "floor"), "--port", "0"],
      options,
    ),
};

export const redis: Target = {
  name: "redis",
  short: "redis",
  protocol: "resp",
  scenarios: [...ECHO, "50-clients-64k", "fixed-rate", "idle", "pipeline"],
  unavailable: () => (findOnPath("redis-server") ? null : "redis-server not on PATH"),
  async start(options) {
    const port = await freePort();
    const child = launch(
      findOnPath("redis-server") ?? "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--maxclients",
        String(options.maxClients + 100),
      ],
      options,
    );
    return waitUntilListening(child, port, "redis-server");
  },
};

/** Every target, in the order of every table. */
export const allTargets: Target[] = [
  // Phase 2 serves one client at a time (idle connections would all wait)
  // and takes 4096 bytes at most: no 64 KiB payloads.
  phase("phase2-framing", "phase2", ECHO),
  phase("phase3-eventloop", "phase3", [
    ...ECHO,
    "50-clients-64k",
    "fixed-rate",
    "fairness",
    "idle",
    "pipeline",
  ]),
  phase("phase3-logging", "phase3-logging", ["fairness"], {
    logging: true,
    dir: "phase3-eventloop",
  }),
  floor,
  redis,
  // The store phases, each in the scenarios that show what its chapter bought:
  // phase 4 keeps its keys in a V8 Map, phase 5 in its own hashtable, phase 8
  // adds sorted sets. (A target whose package is missing is skipped with a note.)
  phase("phase4-kv", "phase4", ["kv-mix", "rehash"], { protocol: "kv-status", maxKeys: MAP_MAX }),
  phase("phase5-hashtable", "phase5", ["rehash"], { protocol: "kv-status" }),
  phase("phase8-zset", "phase8", ["zset"], { protocol: "kv-typed" }),
  kvFloor,
];

/** The targets that run `scenarioId`, in table order. */
export function targetsFor(scenarioId: string, targets: Target[]): Target[] {
  return targets.filter((t) => t.scenarios.includes(scenarioId));
}

async function startNodeServer(args: string[], options: StartOptions): Promise<RunningServer> {
  const child = launchNode(args, options);
  try {
    // Every server prints this line first (the tests of every phase rely on it).
    const match = await child.waitFor(/listening on \S+:(\d+)/, STARTUP_MS);
    return running(child, Number(match[1]));
  } catch (err: unknown) {
    await child.stop();
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n${child.output().slice(-1000)}`,
    );
  }
}

function running(child: Child, port: number): RunningServer {
  let exit: string | null = null;
  let stopping = false;
  void child.exited.then(({ code, signal }) => {
    if (!stopping) {
      const last = child.output().trim().split("\n").slice(-3).join(" / ");
      exit = `the server exited (${signal ?? `code ${code}`}) during the run: ${last}`;
    }
  });
  return {
    pid: child.pid,
    port,
    exitNote: () => exit,
    cpuTicks: () => cpuTicksOf(child.pid),
    memory: () => memoryOf(child.pid),
    async stop() {
      stopping = true;
      await child.stop();
    },
  };
}

/** Waits until the server accepts connections on `port`, for servers whose port line we do not read. */
async function waitUntilListening(child: Child, port: number, what: string) {
  try {
    await waitForPort(child, port, STARTUP_MS, what);
  } catch (err: unknown) {
    await child.stop();
    throw err;
  }
  return running(child, port);
}

async function waitForPort(child: Child, port: number, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${what} exited: ${child.output().slice(-500)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not accept connections on port ${port} within ${ms} ms`);
}
