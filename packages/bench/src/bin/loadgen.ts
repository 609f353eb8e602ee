// The load generator's process: runs the jobs the bench sends on stdin (one
// JSON line each, see ../worker.ts) one after another, and answers on stdout.
// Ends when stdin closes.
import { createInterface } from "node:readline";
import { describeError } from "@rah/core";
import { runLoad } from "../loadgen.ts";
import type { WorkerMessage, WorkerRequest } from "../worker.ts";

const say = (message: WorkerMessage) => process.stdout.write(`${JSON.stringify(message)}\n`);
const releases = new Map<number, () => void>();
const stops = new Map<number, AbortController>();
let queue = Promise.resolve();

const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const request = JSON.parse(line) as WorkerRequest;
  if ("release" in request) {
    releases.get(request.id)?.();
    return;
  }
  if ("stop" in request) {
    stops.get(request.id)?.abort("planned");
    return;
  }
  const { id } = request;
  const stop = new AbortController();
  stops.set(id, stop);
  queue = queue.then(async () => {
    try {
      const result = await runLoad(request.run, {
        signal: stop.signal,
        onMeasureStart: () => say({ id, event: "measure-start" }),
        onMeasureEnd: () => say({ id, event: "measure-end" }),
        ...(request.hold && {
          hold: (open: number) =>
            new Promise<void>((resolve) => {
              releases.set(id, resolve);
              say({ id, event: "holding", open });
            }),
        }),
      });
      say({ id, result });
    } catch (err: unknown) {
      say({ id, error: describeError(err) });
    } finally {
      stops.delete(id);
      releases.delete(id);
    }
  });
});
lines.on("close", () => {
  void queue.then(() => process.exit(0));
});
process.stdout.write("ready\n");
