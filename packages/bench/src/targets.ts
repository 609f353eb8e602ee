// The servers under test, each started as a process of its own on a free
// loopback port:
//   phase2-framing, phase3-eventloop  through the phase's own entry point,
//                                     `src/bin/server.ts --port 0 --quiet`
//   floor                             ./bin/floor.ts (see floor-server.ts)
// (the Node ones compiled ahead of time: see compile.ts)
//   redis                             `redis-server` from PATH, persistence off
// and how to read a running server's CPU time and memory from /proc.
import { existsSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import type { CodecName } from "./codecs.ts";
import { compileEntry } from "./compile.ts";
import { type Child, launch, launchNode } from "./process.ts";
import { cpuSeconds, findOnPath, freePort, type Memory, memoryOf } from "./system.ts";

export type TargetName = "phase2-framing" | "phase3-eventloop" | "floor" | "redis";

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
  cpuSeconds(): number | null;
  memory(): Memory | null;
  stop(): Promise<void>;
}

export interface Target {
  name: TargetName;
  /** Short name for tables and ratios: "phase3". */
  short: string;
  codec: CodecName;
  /** The largest payload the server accepts. */
  maxPayload: number;
  /** Why this target cannot run on this machine, or null. */
  unavailable(): string | null;
  start(options: StartOptions): Promise<RunningServer>;
}

const root = fileURLToPath(new URL("../../../", import.meta.url));
const STARTUP_MS = 20_000;

function phaseEntry(phase: string): string {
  return `${root}packages/${phase}/src/bin/server.ts`;
}

function phase(name: TargetName, short: string, maxPayload: number): Target {
  const entry = phaseEntry(name);
  return {
    name,
    short,
    codec: "frame",
    maxPayload,
    unavailable: () => (existsSync(entry) ? null : `packages/${name}/src/bin/server.ts not found`),
    start: async (options) =>
      startNodeServer(
        [...options.nodeArgs, await compileEntry(entry, name), "--port", "0", "--quiet"],
        options,
      ),
  };
}

const floorEntry = fileURLToPath(new URL("./bin/floor.ts", import.meta.url));

export const floor: Target = {
  name: "floor",
  short: "floor",
  codec: "frame",
  maxPayload: Number.MAX_SAFE_INTEGER,
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
  codec: "resp",
  maxPayload: 512 * 1024 * 1024,
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
    try {
      await waitForPort(child, port, STARTUP_MS);
    } catch (err: unknown) {
      await child.stop();
      throw err;
    }
    return running(child, port);
  },
};

/** phase2, phase3, floor: the order of every table. */
export const allTargets: Target[] = [
  phase("phase2-framing", "phase2", 4096),
  phase("phase3-eventloop", "phase3", 32 * 1024 * 1024),
  floor,
  redis,
];

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
    cpuSeconds: () => cpuSeconds(child.pid),
    memory: () => memoryOf(child.pid),
    async stop() {
      stopping = true;
      await child.stop();
    },
  };
}

/** Waits until something accepts connections on the port (redis prints no port line we rely on). */
async function waitForPort(child: Child, port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`redis-server exited: ${child.output().slice(-500)}`);
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
  throw new Error(`redis-server did not accept connections on port ${port} within ${ms} ms`);
}
