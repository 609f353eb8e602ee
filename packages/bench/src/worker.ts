// The load generator runs in a process of its own (src/bin/loadgen.ts), on a
// core of its own when pinning is possible, so it never shares a CPU with the
// server it measures. This is the bench's side of it: jobs go in as JSON
// lines on its stdin, events and results come back as JSON lines on stdout.
import type { LoadOptions, LoadResult } from "./loadgen.ts";
import { type Child, launchTs } from "./process.ts";

/** bench -> load generator. */
export type WorkerRequest =
  | { id: number; run: LoadOptions; hold: boolean }
  | { id: number; release: true }
  | { id: number; stop: true };

/** load generator -> bench. */
export type WorkerMessage =
  | { id: number; event: "measure-start" | "measure-end" }
  | { id: number; event: "holding"; open: number }
  | { id: number; result: LoadResult }
  | { id: number; error: string };

export interface JobEvents {
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
  /** With this, the connections stay open until the returned promise settles. */
  hold?(open: number): Promise<void>;
}

/** A job under way: its result, and a way to end its sending early (as if its time were up). */
export interface Job {
  readonly result: Promise<LoadResult>;
  stop(): void;
}

export interface LoadWorker {
  readonly pid: number;
  run(options: LoadOptions, events?: JobEvents): Promise<LoadResult>;
  start(options: LoadOptions, events?: JobEvents): Job;
  close(): Promise<void>;
}

/** The load generator process is gone: nothing more can be measured. */
export class WorkerDied extends Error {
  override name = "WorkerDied";
}

const entry = new URL("./bin/loadgen.ts", import.meta.url).pathname;

export async function startWorker(options: {
  cpu: number | null;
  fdLimit: number | null;
}): Promise<LoadWorker> {
  const child: Child = launchTs(entry, [], options);
  await child.waitFor(/^ready$/m, 15_000);
  let nextId = 1;
  const jobs = new Map<number, (message: WorkerMessage) => void>();
  child.onLine((line) => {
    if (!line.startsWith("{")) return;
    const message = JSON.parse(line) as WorkerMessage;
    jobs.get(message.id)?.(message);
  });
  const send = (request: WorkerRequest) =>
    child.process.stdin?.write(`${JSON.stringify(request)}\n`);

  const start = (load: LoadOptions, events: JobEvents = {}): Job => {
    const id = nextId++;
    return {
      stop: () => send({ id, stop: true }),
      result: new Promise<LoadResult>((resolve, reject) => {
        const died = () => {
          if (jobs.delete(id))
            reject(new WorkerDied(`the load generator died:\n${child.output().slice(-2000)}`));
        };
        void child.exited.then(died);
        jobs.set(id, (message) => {
          if ("result" in message) {
            jobs.delete(id);
            resolve(message.result);
          } else if ("error" in message) {
            jobs.delete(id);
            reject(new WorkerDied(`the load generator failed: ${message.error}`));
          } else if (message.event === "measure-start") events.onMeasureStart?.();
          else if (message.event === "measure-end") events.onMeasureEnd?.();
          else if (message.event === "holding") {
            const held = events.hold?.(message.open) ?? Promise.resolve();
            void held.finally(() => send({ id, release: true }));
          }
        });
        send({ id, run: load, hold: events.hold !== undefined });
      }),
    };
  };
  return {
    pid: child.pid,
    start,
    run: (load, events) => start(load, events).result,
    async close() {
      child.process.stdin?.end();
      await child.stop(3000);
    },
  };
}
