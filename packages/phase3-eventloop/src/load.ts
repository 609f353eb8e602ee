// Load mode: many clients at once, each keeping a few requests in flight,
// every reply checked against its request, latency measured per request.
//
// A blocking client cannot be many clients at once, so this one is written
// like the server: event-driven, one Conn-like state per connection, with
// the server's own incoming buffer and parser (buffer.ts, protocol.ts).
import net from "node:net";
import { connectError, describeError } from "@rah/core";
import { ByteQueue } from "./buffer.ts";
import { HEADER_SIZE, MAX_MESSAGE, parseFrame } from "./protocol.ts";

export interface LoadOptions {
  host: string;
  port: number;
  /** Connections open at the same time. */
  clients: number;
  /** Requests each connection sends. */
  requests: number;
  /** Payload bytes per request. */
  size: number;
  /** Requests each connection keeps in flight (sent, reply not in yet). 1 = no pipelining. */
  pipeline: number;
  /** Called every `progressMs` with the number of replies so far. */
  onProgress?: (done: number) => void;
  progressMs?: number;
  /** Aborting it (Ctrl-C) ends every connection; the result then counts what was left as errors. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Requests planned: clients x requests. */
  total: number;
  /** Replies that matched their request. */
  ok: number;
  /** Wrong replies, plus requests lost to a connection that failed. */
  errors: number;
  /** The first thing that went wrong, for the summary. */
  firstError: string | null;
  seconds: number;
  /** Latency percentiles in milliseconds: time from sending a request to its reply. */
  p50: number;
  p99: number;
}

/**
 * Latencies in microseconds, counted in buckets 2% wide: constant memory
 * however many requests run, and percentiles within 2% of the truth.
 */
class Histogram {
  readonly #counts = new Float64Array(1200);
  #n = 0;
  add(micros: number): void {
    const i = Math.min(this.#counts.length - 1, Math.floor(Math.log(1 + micros) / Math.log(1.02)));
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.#n++;
  }
  /** The latency under which a fraction `q` of the requests fall, in milliseconds. */
  percentile(q: number): number {
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i] ?? 0;
      if (seen >= q * this.#n && seen > 0) return (1.02 ** (i + 1) - 1) / 1000;
    }
    return 0;
  }
}

/** Runs the load and resolves with its numbers; rejects only if no connection could be made. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const histogram = new Histogram();
  const result: LoadResult = {
    total: options.clients * options.requests,
    ok: 0,
    errors: 0,
    firstError: null,
    seconds: 0,
    p50: 0,
    p99: 0,
  };
  const fail = (count: number, why: string) => {
    result.errors += count;
    result.firstError ??= why;
  };
  const progress = options.onProgress;
  const timer = progress
    ? setInterval(() => progress(result.ok + result.errors), options.progressMs ?? 200)
    : null;
  const sockets = new Set<net.Socket>();
  const abort = () => {
    for (const socket of sockets) socket.destroy(new Error("stopped before the end"));
  };
  options.signal?.addEventListener("abort", abort, { once: true });
  const start = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: options.clients }, (_, id) =>
      runClient(id, options, sockets, histogram, result, fail),
    ),
  );
  result.seconds = (performance.now() - start) / 1000;
  if (timer) clearInterval(timer);
  options.signal?.removeEventListener("abort", abort);
  // Not one connection made: that is a user's problem (no server), not a result.
  if (outcomes.length > 0 && outcomes.every((outcome) => outcome !== null)) throw outcomes[0];
  result.p50 = histogram.percentile(0.5);
  result.p99 = histogram.percentile(0.99);
  return result;
}

/**
 * One connection's share of the load. Resolves when its last reply is in or
 * it failed (the failure counted in `result`); resolves with the connect
 * error if it never connected, so that runLoad can tell "no server at all".
 */
function runClient(
  id: number,
  options: LoadOptions,
  sockets: Set<net.Socket>,
  histogram: Histogram,
  result: LoadResult,
  fail: (count: number, why: string) => void,
): Promise<unknown> {
  const { requests, pipeline, size } = options;
  const inFlight = Math.max(1, Math.min(pipeline, requests));
  // Request i's frame and send time sit in slot i % inFlight of these rings:
  // a slot is reused only once the reply it waits for has come back.
  const sentFrames: Buffer[] = [];
  const sentAt = new Float64Array(inFlight);
  const incoming = new ByteQueue();
  let sent = 0;
  let answered = 0;
  let connected = false;

  return new Promise((resolve) => {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
    sockets.add(socket);
    if (options.signal?.aborted) socket.destroy(new Error("stopped before the start"));
    let settled = false;
    // Ends this client once: `why` is null on success, else what went wrong
    // (every request without a good reply then counts as an error).
    const settle = (why: string | null, outcome: unknown = null) => {
      if (settled) return;
      settled = true;
      sockets.delete(socket);
      if (why !== null) fail(requests - answered, `client ${id}: ${why}`);
      if (why === null) socket.end();
      else socket.destroy();
      resolve(outcome);
    };

    // Sends up to `count` more requests, all in one write. Each payload is
    // `size` bytes stamped with the request and connection numbers, so a
    // reply that went to the wrong client or came out of order is caught.
    const stamp = Buffer.alloc(8);
    const send = (count: number) => {
      const frames: Buffer[] = [];
      const now = performance.now();
      for (let n = 0; n < count && sent < requests; n++, sent++) {
        const frame = Buffer.alloc(HEADER_SIZE + size, id % 251);
        frame.writeUInt32LE(size, 0);
        stamp.writeUInt32LE(sent, 0);
        stamp.writeUInt32LE(id, 4);
        stamp.copy(frame, HEADER_SIZE, 0, Math.min(stamp.length, size));
        sentFrames[sent % inFlight] = frame;
        sentAt[sent % inFlight] = now;
        frames.push(frame);
      }
      if (frames.length > 0) socket.write(Buffer.concat(frames));
    };

    socket.on("connect", () => {
      connected = true;
      send(inFlight);
    });
    socket.on("data", (chunk: Buffer) => {
      incoming.append(chunk);
      const bytes = incoming.bytes();
      let offset = 0;
      let replies = 0;
      try {
        for (;;) {
          const reply = parseFrame(bytes, offset, MAX_MESSAGE);
          if (reply === null) break;
          offset += HEADER_SIZE + reply.length;
          const slot = answered % inFlight;
          const expected = sentFrames[slot]?.subarray(HEADER_SIZE);
          histogram.add((performance.now() - (sentAt[slot] ?? 0)) * 1000);
          if (expected?.equals(reply)) result.ok++;
          else fail(1, `client ${id}: reply ${answered} does not match its request`);
          answered++;
          replies++;
        }
      } catch (err: unknown) {
        return settle(describeError(err));
      }
      incoming.consume(offset);
      if (answered === requests) return settle(null);
      send(replies);
    });
    socket.on("error", (err) => {
      if (connected || options.signal?.aborted) return settle(describeError(err));
      // Never connected: say why the way every other program does.
      const friendly = connectError(err, options.host, options.port);
      settle(friendly instanceof Error ? friendly.message : describeError(err), friendly);
    });
    socket.on("close", () => settle("the server closed the connection"));
  });
}

/** The one-screen summary printed at the end of a load run. */
export function formatSummary(options: LoadOptions, result: LoadResult): string {
  // Good replies only: requests lost to a failed connection were never answered.
  const rate = result.seconds > 0 ? result.ok / result.seconds : 0;
  const lines = [
    `load: ${options.clients} clients x ${options.requests} requests, ${options.pipeline} in flight each, ${options.size}-byte payloads`,
    `  requests  ${result.total}, ${result.ok} good replies, ${result.errors} errors`,
    `  time      ${result.seconds.toFixed(2)} s`,
    `  rate      ${Math.round(rate).toLocaleString("en-US")} requests/s`,
    `  latency   p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms`,
  ];
  if (result.firstError) lines.push(`  first error: ${result.firstError}`);
  return `${lines.join("\n")}\n`;
}
