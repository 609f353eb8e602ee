// Run an entry point (src/bin/*.ts) as a real process, the way a user does,
// and watch its output. Every process is ended by pid when the test is done.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { StringDecoder } from "node:string_decoder";
import { pathToFileURL } from "node:url";
import { withTimeout } from "./time.ts";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** stdout exactly as written, for programs that print binary data. */
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunningProgram {
  readonly pid: number;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout or stderr matches `pattern`; returns the match. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves when the process exits. */
  readonly finished: Promise<Finished>;
  /** Sends a signal to this process (by its pid) if it is still running. */
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; stdin is empty when absent. */
  input?: string | Uint8Array;
}

/** Starts `node --import tsx <entry> ...args` with piped stdio. */
export function spawnProgram(
  entry: string,
  args: string[],
  options: SpawnOptions = {},
): RunningProgram {
  const child = spawn(process.execPath, ["--import", tsxLoader, entry, ...args], {
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${entry}`);
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  const stdoutChunks: Buffer[] = [];
  const decoder = new StringDecoder("utf8");
  child.stdout?.on("data", (chunk: Buffer) => {
    stdoutChunks.push(chunk);
    stdout += decoder.write(chunk);
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding("utf8").on("data", (s: string) => {
    stderr += s;
    for (const l of listeners) l();
  });
  child.stdin?.on("error", () => {});
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();

  const finished = new Promise<Finished>((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ code, signal, stdout, stdoutBytes: Buffer.concat(stdoutChunks), stderr }),
    );
  });
  const pid = child.pid;
  return {
    pid,
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    finished,
    waitFor(pattern, ms = 15_000) {
      return withTimeout(
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const match = pattern.exec(stdout) ?? pattern.exec(stderr);
            if (match) {
              listeners.delete(check);
              resolve(match);
            }
          };
          listeners.add(check);
          check();
          void finished.then(() => {
            check();
            if (listeners.has(check)) {
              listeners.delete(check);
              reject(
                new Error(
                  `process exited before printing ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`,
                ),
              );
            }
          });
        }),
        ms,
        `waiting for ${pattern} (stdout so far: ${JSON.stringify(stdout.slice(-400))})`,
      );
    },
    kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, signal);
    },
  };
}

/** Runs a program to completion (killing it after `ms`) and returns its output. */
export async function runProgram(
  entry: string,
  args: string[],
  options: SpawnOptions & { ms?: number } = {},
): Promise<Finished> {
  const program = spawnProgram(entry, args, options);
  try {
    return await withTimeout(
      program.finished,
      options.ms ?? 20_000,
      `running ${entry} ${args.join(" ")}`,
    );
  } finally {
    program.kill("SIGKILL");
  }
}

/** Starts a server entry point on a free port; resolves once it prints "listening on host:port". */
export async function startServerProcess(
  entry: string,
  args: string[] = [],
  options: SpawnOptions = {},
): Promise<RunningProgram & { port: number }> {
  const program = spawnProgram(entry, ["--port", "0", ...args], options);
  try {
    const match = await program.waitFor(/listening on \S+:(\d+)/);
    return Object.assign(program, { port: Number(match[1]) });
  } catch (err: unknown) {
    program.kill("SIGKILL");
    throw err;
  }
}
