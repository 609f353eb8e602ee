// Child processes for the bench: servers and the load generator, each
// optionally pinned to a core (taskset) and given a higher open-files limit
// (ulimit), both applied by exec, so the pid we hold is the program's own.
// Every child is ended by its pid, also when the bench itself exits early.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** The tsx loader, so a child node can run .ts entry points: `node --import <this> file.ts`. */
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

export interface LaunchOptions {
  /** Run on this CPU only (taskset -c). */
  cpu?: number | null;
  /** Raise the soft open-files limit to this before exec (ulimit -S -n). */
  fdLimit?: number | null;
  env?: Record<string, string | undefined>;
  /** "ignore": the child's stdout goes to /dev/null (a server with its logging on). */
  stdout?: "pipe" | "ignore";
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Everything printed so far (stdout and stderr), last 64 KiB. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects on exit or timeout. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpExecArray>;
  /** Called with each stdout line. */
  onLine(listener: (line: string) => void): void;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
process.on("exit", () => {
  for (const child of live) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

const KEEP = 64 * 1024;

/** Starts `command args`, wrapped in ulimit and taskset as asked. */
export function launch(command: string, args: string[], options: LaunchOptions = {}): Child {
  let argv = [command, ...args];
  if (options.cpu !== undefined && options.cpu !== null) {
    argv = ["taskset", "-c", String(options.cpu), ...argv];
  }
  if (options.fdLimit) {
    argv = ["sh", "-c", `ulimit -S -n ${options.fdLimit} && exec "$@"`, "sh", ...argv];
  }
  const [file, ...rest] = argv;
  const child = spawn(file ?? command, rest, {
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, ...options.env },
    stdio: ["pipe", options.stdout ?? "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  const pid = child.pid;
  let output = "";
  let partial = "";
  let running = true;
  const watchers = new Set<() => void>();
  const lineListeners: ((line: string) => void)[] = [];
  const append = (text: string) => {
    output = (output + text).slice(-KEEP);
    for (const w of [...watchers]) w();
  };
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    append(text);
    if (lineListeners.length === 0) return;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) for (const l of lineListeners) l(line);
  });
  child.stderr?.setEncoding("utf8").on("data", append);
  child.stdin?.on("error", () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      running = false;
      live.delete(handle);
      for (const w of [...watchers]) w();
      resolve({ code, signal });
    });
  });

  const handle: Child = {
    pid,
    process: child,
    output: () => output,
    get running() {
      return running;
    },
    exited,
    onLine: (listener) => lineListeners.push(listener),
    waitFor(pattern, ms) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`${command} printed nothing matching ${pattern} in ${ms} ms`));
        }, ms);
        function check() {
          const match = pattern.exec(output);
          if (match || !running) {
            clearTimeout(timer);
            watchers.delete(check);
            if (match) resolve(match);
            else reject(new Error(`${command} exited before printing ${pattern}`));
          }
        }
        watchers.add(check);
        check();
      });
    },
    async stop(graceMs = 3000) {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (running) child.kill("SIGKILL");
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  return handle;
}

/** Starts a TypeScript entry point with node and tsx, like `tsx file.ts args`. */
export function launchTs(entry: string, args: string[], options: LaunchOptions = {}): Child {
  return launchNode(["--import", tsxLoader, entry, ...args], options);
}

/** Starts node itself with the given arguments. */
export function launchNode(args: string[], options: LaunchOptions = {}): Child {
  return launch(process.execPath, args, options);
}
