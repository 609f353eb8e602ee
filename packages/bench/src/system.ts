// What the bench needs to know about the machine: which cores to pin to,
// the fd limits, and a process's CPU time and memory from /proc (Linux).
// Everything degrades to "unknown" elsewhere instead of failing.
import { spawnSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { type CpuTicks, parseProcStat } from "./cpu.ts";

/** The full path of an executable on PATH, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here; try the next directory
    }
  }
  return null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/** The CPUs this process may run on ("0-3,6" in /proc/self/status), lowest first. */
export function allowedCpus(): number[] {
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(readText("/proc/self/status") ?? "")?.[1];
  if (!list) return Array.from({ length: os.availableParallelism() }, (_, i) => i);
  const cpus: number[] = [];
  for (const part of list.split(",")) {
    const [from, to] = part.split("-").map(Number);
    if (from === undefined || Number.isNaN(from)) continue;
    for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu);
  }
  return cpus;
}

export interface Pinning {
  /** `taskset -c N` for servers and for the load generator; null when not pinned. */
  server: number | null;
  client: number | null;
  /** One line for the output: what was pinned where, or why nothing was. */
  description: string;
}

/** Servers on one core, the load generator on another, when taskset and two cores exist. */
export function choosePinning(): Pinning {
  const cpus = allowedCpus();
  const taskset = findOnPath("taskset");
  const [server, client] = cpus;
  if (!taskset || server === undefined || client === undefined) {
    const why = !taskset ? "taskset not found" : `only ${cpus.length} core available`;
    return { server: null, client: null, description: `not pinned (${why})` };
  }
  return {
    server,
    client,
    description: `pinned with taskset: servers on CPU ${server}, load generator on CPU ${client}`,
  };
}

let ticks: number | undefined;
/** Clock ticks per second, the unit of CPU times in /proc/<pid>/stat (almost always 100). */
export function clockTicks(): number {
  if (ticks === undefined) {
    const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number.parseInt(out.stdout ?? "", 10);
    ticks = Number.isFinite(n) && n > 0 ? n : 100;
  }
  return ticks;
}

/** User and system CPU ticks of a process so far (all its threads); null if unknown. */
export function cpuTicksOf(pid: number): CpuTicks | null {
  const stat = readText(`/proc/${pid}/stat`);
  return stat === null ? null : parseProcStat(stat);
}

export interface Memory {
  /** Resident set now, bytes. */
  rss: number;
  /** The peak resident set since the process started (VmHWM), bytes. */
  peakRss: number;
}

export function memoryOf(pid: number): Memory | null {
  const status = readText(`/proc/${pid}/status`);
  if (status === null) return null;
  const kb = (field: string) => Number(new RegExp(`${field}:\\s*(\\d+) kB`).exec(status)?.[1]);
  const rss = kb("VmRSS");
  const peak = kb("VmHWM");
  if (!Number.isFinite(rss)) return null;
  return { rss: rss * 1024, peakRss: (Number.isFinite(peak) ? peak : rss) * 1024 };
}

export interface FdLimits {
  soft: number;
  hard: number;
}

/** The open-files limit (ulimit -n) the processes we spawn start with. */
export function fdLimits(): FdLimits {
  const out = spawnSync("sh", ["-c", "ulimit -S -n; ulimit -H -n"], { encoding: "utf8" });
  const [soft, hard] = (out.stdout ?? "")
    .trim()
    .split("\n")
    .map((s) => (s.trim() === "unlimited" ? Number.POSITIVE_INFINITY : Number(s)));
  return {
    soft: soft !== undefined && soft > 0 ? soft : 1024,
    hard: hard !== undefined && hard > 0 ? hard : 1024,
  };
}

/** How many local ports outgoing loopback connections can use (ip_local_port_range). */
export function ephemeralPorts(): number | null {
  const text = readText("/proc/sys/net/ipv4/ip_local_port_range");
  const [low, high] = (text ?? "").trim().split(/\s+/).map(Number);
  if (low === undefined || high === undefined || Number.isNaN(low) || Number.isNaN(high)) {
    return null;
  }
  return high - low + 1;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  node: string;
  os: string;
  memoryGb: number;
}

export function describeMachine(): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: os.availableParallelism(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
}

/** A free loopback port: bind port 0, note what the kernel picked, let it go. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
