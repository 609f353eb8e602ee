// The load generator: n connections, each keeping p requests in flight,
// every reply checked against the request it answers, every latency into a
// histogram.
//
// Two ways to run:
// - for a duration (the scenarios): connect everyone, then send; warm up
//   (at least `warmupMs`, and until every connection has been answered or
//   answers stop coming); measure for `durationMs` while each connection
//   sends a new request for every reply; then stop sending and wait up to
//   `graceMs` for the replies still due;
// - for a number of requests per connection (`requestsPerConnection`: the
//   pipeline and idle-connection figures): connect everyone first, then send,
//   and stop when every connection has all its replies (or `durationMs`
//   runs out). `hold` then keeps the connections open while the caller
//   measures the server.
//
// Checking a reply: every request carries its connection's id and its own
// sequence number in its first 8 payload bytes, and a fixed pattern after.
// A reply must have the expected length and exactly those bytes. A reply to a
// later request means the ones in between were skipped (missing replies);
// anything else is a wrong reply, after which the connection is out of step
// and is closed.
//
// A connection that got no reply at all is "starved" (phase 2 serves one
// client at a time, so under 50 clients 49 of them are): that is a figure
// of its own, not an error, and nobody waits for it.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { describeError, errorCode } from "@rah/core";
import { type CodecName, codecFor, ProtocolError, ReplyReader } from "./codecs.ts";
import { Histogram, type LatencySummary } from "./histogram.ts";

export interface LoadOptions {
  host: string;
  port: number;
  codec: CodecName;
  connections: number;
  /** Requests each connection keeps in flight. */
  inFlight: number;
  payloadSize: number;
  /** Requests per connection, then stop; absent: keep sending until the time is up. */
  requestsPerConnection?: number;
  /** Load before measuring starts (duration runs only). */
  warmupMs: number;
  /**
   * Warm-up goes on while connections still get their first reply, until
   * none has for this long (default 1000 ms). See #untilAnswered.
   */
  warmupStallMs?: number;
  /** The measured time (duration runs), or the time limit (counted runs). */
  durationMs: number;
  /** How long to wait for the replies still due once sending stops. */
  graceMs: number;
  /** Connections being set up at once (a burst beyond the listen backlog gets SYN retries). */
  connectConcurrency?: number;
  connectTimeoutMs?: number;
}

export interface LoadHooks {
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
  /** Counted runs: called with every reply in, before closing; closing waits for it. */
  hold?(open: number): Promise<void>;
}

export interface LoadErrors {
  /** A reply that does not match its request, or bytes that are not a reply. */
  wrongReply: number;
  /** Requests never answered (skipped, or still due after the grace time). */
  missingReply: number;
  /** Connections the server closed or reset while we were still using them. */
  closedEarly: number;
  connectFailed: number;
}

export interface LoadResult {
  connections: number;
  /** Connections that were established. */
  connected: number;
  /** Connections that got no reply at all, and no error either. */
  starved: number;
  /** Correct replies received while measuring. */
  replies: number;
  elapsedMs: number;
  requestsPerSecond: number;
  latency: LatencySummary;
  errors: LoadErrors;
  /** Total of `errors`. */
  errorCount: number;
  /** The first few errors, described, for the report. */
  errorSamples: string[];
  /** The load generator's own CPU time while measuring, in % of one core. */
  clientCpuPercent: number;
}

const MAX_SAMPLES = 5;
/** The warm-up may grow by this much at most, waiting for first replies. */
const WARMUP_MAX_EXTRA_MS = 5000;

interface Conn {
  readonly id: number;
  socket: net.Socket | null;
  reader: ReplyReader;
  state: "idle" | "connecting" | "open" | "failed" | "closed";
  /** Requests written; the next request's sequence number. */
  sent: number;
  /** Replies taken; the sequence number the next reply must carry. */
  answered: number;
  /** Correct replies. */
  replies: number;
  /** Send time of every request in flight, by sequence number modulo inFlight. */
  sendTimes: Float64Array;
  /** No longer waited for (all replies in, or failed, or starved). */
  settled: boolean;
  lastError: unknown;
}

/** Runs the load described by `options` against host:port; see the top of the file. */
export function runLoad(options: LoadOptions, hooks: LoadHooks = {}): Promise<LoadResult> {
  return new LoadRun(options, hooks).run();
}

class LoadRun {
  readonly #o: LoadOptions;
  readonly #hooks: LoadHooks;
  readonly #conns: Conn[];
  readonly #template: Buffer;
  readonly #payloadOffset: number;
  /** The fixed part of every payload (bytes after the 8 id bytes). */
  readonly #head: number;
  readonly #budget: number;
  readonly #histogram = new Histogram();
  readonly #scratch = Buffer.alloc(8);
  readonly #errors: LoadErrors = {
    wrongReply: 0,
    missingReply: 0,
    closedEarly: 0,
    connectFailed: 0,
  };
  readonly #samples: string[] = [];
  #sending = false;
  #measuring = false;
  #closing = false;
  #measured = 0;
  #unsettled = 0;
  /** When a connection last got its first reply (see #untilAnswered). */
  #lastFirstReply = 0;
  #onSettled: (() => void) | null = null;

  constructor(options: LoadOptions, hooks: LoadHooks) {
    this.#o = options;
    this.#hooks = hooks;
    this.#budget = options.requestsPerConnection ?? Number.POSITIVE_INFINITY;
    // One payload pattern for all: byte i is a function of i. Connection id
    // and sequence number overwrite the first 8 bytes of each request.
    const payload = Buffer.alloc(options.payloadSize);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
    const { bytes, payloadOffset } = codecFor(options.codec).encodeRequest(payload);
    this.#template = bytes;
    this.#payloadOffset = payloadOffset;
    this.#head = Math.min(8, options.payloadSize);
    const codec = codecFor(options.codec);
    const slots = Math.min(options.inFlight, this.#budget);
    this.#conns = Array.from({ length: options.connections }, (_, id) => ({
      id,
      socket: null,
      reader: new ReplyReader(codec, options.payloadSize),
      state: "idle",
      sent: 0,
      answered: 0,
      replies: 0,
      sendTimes: new Float64Array(slots),
      settled: false,
      lastError: undefined,
    }));
  }

  async run(): Promise<LoadResult> {
    const counted = Number.isFinite(this.#budget);
    // Everyone connects before anyone sends, so the server's only work
    // during the connection burst is accepting.
    this.#unsettled = this.#conns.length;
    await this.#connectAll();
    this.#sending = true;

    let start: number;
    let cpu: NodeJS.CpuUsage;
    if (counted) {
      start = this.#startMeasuring();
      cpu = process.cpuUsage();
      for (const conn of this.#conns) this.#refill(conn);
      await this.#untilSettled(this.#o.durationMs);
    } else {
      this.#lastFirstReply = performance.now();
      for (const conn of this.#conns) this.#refill(conn);
      await sleep(this.#o.warmupMs);
      await this.#untilAnswered();
      start = this.#startMeasuring();
      cpu = process.cpuUsage();
      await sleep(this.#o.durationMs);
    }
    const elapsedMs = performance.now() - start;
    const cpuUsed = process.cpuUsage(cpu);
    this.#measuring = false;
    this.#sending = false;
    this.#hooks.onMeasureEnd?.();

    if (!counted) {
      // Wait for the replies still due, except from connections that never
      // got any: those are starved, and may never be answered.
      this.#unsettled = 0;
      for (const conn of this.#conns) {
        conn.settled = !(conn.state === "open" && conn.replies > 0 && conn.answered < conn.sent);
        if (!conn.settled) this.#unsettled++;
      }
      await this.#untilSettled(this.#o.graceMs);
    }
    for (const conn of this.#conns) {
      if (conn.state === "open" && conn.replies > 0 && conn.answered < conn.sent) {
        this.#error(
          "missingReply",
          conn.sent - conn.answered,
          `connection ${conn.id}: ${conn.sent - conn.answered} replies still due after the time was up`,
        );
      }
    }
    if (this.#hooks.hold)
      await this.#hooks.hold(this.#conns.filter((c) => c.state === "open").length);

    this.#closing = true;
    for (const conn of this.#conns) conn.socket?.destroy();
    const starved = this.#conns.filter(
      (c) =>
        c.replies === 0 &&
        (c.state === "open" || c.state === "closed") &&
        c.lastError === undefined,
    ).length;
    const errorCount = Object.values(this.#errors).reduce((a, b) => a + b, 0);
    return {
      connections: this.#conns.length,
      connected: this.#conns.filter((c) => c.state === "open" || c.state === "closed").length,
      starved,
      replies: this.#measured,
      elapsedMs,
      requestsPerSecond: elapsedMs > 0 ? (this.#measured * 1000) / elapsedMs : 0,
      latency: this.#histogram.summary(),
      errors: { ...this.#errors },
      errorCount,
      errorSamples: [...this.#samples],
      clientCpuPercent: elapsedMs > 0 ? (cpuUsed.user + cpuUsed.system) / 10 / elapsedMs : 0,
    };
  }

  /**
   * Extends the warm-up until every connection has had a reply, or until
   * no connection got its first reply for `warmupStallMs` (the rest are
   * starved, as under phase 2), at most `WARMUP_MAX_EXTRA_MS`.
   *
   * Why: when a burst of connections overflows the server's accept queue,
   * Linux drops the last packet of some handshakes. The client believes it
   * is connected; the server only learns of the connection when the client
   * retransmits, a second or more later. Those connections would count as
   * starved although the server serves everyone once it has them.
   */
  async #untilAnswered(): Promise<void> {
    const deadline = performance.now() + WARMUP_MAX_EXTRA_MS;
    const stall = this.#o.warmupStallMs ?? 1000;
    for (;;) {
      const now = performance.now();
      const waiting = this.#conns.some((c) => c.state === "open" && c.replies === 0);
      if (!waiting || now - this.#lastFirstReply >= stall || now >= deadline) return;
      await sleep(50);
    }
  }

  #startMeasuring(): number {
    this.#measuring = true;
    this.#measured = 0;
    this.#hooks.onMeasureStart?.();
    return performance.now();
  }

  /** Resolves when every connection is settled, or after `ms`. */
  #untilSettled(ms: number): Promise<void> {
    if (this.#unsettled <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#onSettled = done;
    });
  }

  #settle(conn: Conn): void {
    if (conn.settled) return;
    conn.settled = true;
    this.#unsettled--;
    if (this.#unsettled <= 0) {
      const wake = this.#onSettled;
      this.#onSettled = null;
      wake?.();
    }
  }

  #error(kind: keyof LoadErrors, count: number, description: string): void {
    this.#errors[kind] += count;
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(description);
  }

  async #connectAll(): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let conn = this.#conns[next++]; conn; conn = this.#conns[next++]) {
        await this.#connect(conn);
      }
    };
    const lanes = Math.min(this.#o.connectConcurrency ?? 200, this.#conns.length);
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  #connect(conn: Conn): Promise<void> {
    return new Promise((resolve) => {
      conn.state = "connecting";
      const socket = net.connect({ host: this.#o.host, port: this.#o.port });
      conn.socket = socket;
      const timer = setTimeout(() => {
        conn.lastError = new Error(`no connection after ${this.#o.connectTimeoutMs ?? 10_000} ms`);
        socket.destroy();
      }, this.#o.connectTimeoutMs ?? 10_000);
      socket.once("connect", () => {
        clearTimeout(timer);
        // A load generator measures the server, not Nagle's algorithm.
        socket.setNoDelay(true);
        conn.state = "open";
        this.#refill(conn);
        resolve();
      });
      socket.on("data", (chunk: Buffer) => this.#onData(conn, chunk));
      socket.on("error", (err: unknown) => {
        conn.lastError = err;
      });
      socket.on("close", () => {
        clearTimeout(timer);
        if (conn.state === "connecting") {
          conn.state = "failed";
          this.#error("connectFailed", 1, `connect: ${describeError(conn.lastError)}`);
          this.#settle(conn);
          resolve();
          return;
        }
        if (conn.state !== "open") return;
        conn.state = "closed";
        if (!this.#closing) {
          conn.lastError ??= new Error("closed");
          const how = errorCode(conn.lastError) === "ECONNRESET" ? "reset" : "closed";
          this.#error(
            "closedEarly",
            1,
            `connection ${conn.id}: the server ${how} it after ${conn.replies} replies (${conn.sent - conn.answered} due)`,
          );
        }
        this.#settle(conn);
      });
    });
  }

  /** Tops the connection up to `inFlight` requests, within its budget, in one write. */
  #refill(conn: Conn): void {
    if (!this.#sending || conn.state !== "open" || !conn.socket) return;
    const count = Math.min(
      this.#o.inFlight - (conn.sent - conn.answered),
      this.#budget - conn.sent,
    );
    if (count <= 0) return;
    const t = this.#template;
    const out = Buffer.allocUnsafe(count * t.length);
    const now = performance.now();
    for (let i = 0; i < count; i++) {
      const pos = i * t.length;
      t.copy(out, pos);
      this.#writeId(conn.id, conn.sent, out, pos + this.#payloadOffset);
      conn.sendTimes[conn.sent % conn.sendTimes.length] = now;
      conn.sent++;
    }
    conn.socket.write(out);
  }

  /** The first (up to) 8 payload bytes: connection id, then sequence number, little-endian. */
  #writeId(id: number, seq: number, out: Buffer, at: number): void {
    const s = this.#scratch;
    s.writeUInt32LE(id >>> 0, 0);
    s.writeUInt32LE(seq >>> 0, 4);
    s.copy(out, at, 0, this.#head);
  }

  #onData(conn: Conn, chunk: Buffer): void {
    if (conn.state !== "open") return;
    const now = performance.now();
    conn.reader.push(chunk);
    for (;;) {
      let decoded: ReturnType<ReplyReader["next"]>;
      try {
        decoded = conn.reader.next();
      } catch (err: unknown) {
        if (!(err instanceof ProtocolError)) throw err;
        this.#wrong(conn, err.message);
        return;
      }
      if (decoded === null) break;
      if (decoded.kind === "error") {
        this.#wrong(conn, `error reply "${decoded.message}"`);
        return;
      }
      if (conn.answered >= conn.sent) {
        this.#wrong(conn, "a reply to no request");
        return;
      }
      const skipped = this.#check(conn, conn.reader.buffer, decoded.start, decoded.end);
      if (skipped < 0) {
        const got = conn.reader.buffer.subarray(
          decoded.start,
          Math.min(decoded.end, decoded.start + 16),
        );
        this.#wrong(
          conn,
          `reply ${conn.answered} does not match its request (${decoded.end - decoded.start} bytes, starting ${got.toString("hex")})`,
        );
        return;
      }
      if (skipped > 0) {
        this.#error(
          "missingReply",
          skipped,
          `connection ${conn.id}: requests ${conn.answered}..${conn.answered + skipped - 1} got no reply`,
        );
        conn.answered += skipped;
      }
      if (this.#measuring) {
        this.#measured++;
        this.#histogram.record(
          (now - (conn.sendTimes[conn.answered % conn.sendTimes.length] ?? now)) * 1000,
        );
      }
      conn.answered++;
      if (conn.replies++ === 0) this.#lastFirstReply = now;
    }
    if (this.#sending) this.#refill(conn);
    if (conn.answered >= this.#budget || (!this.#sending && conn.answered >= conn.sent)) {
      this.#settle(conn);
    }
  }

  /**
   * 0 when buf[start, end) is the reply to the next request; k > 0 when it
   * is the reply to the request k places later (k were skipped); -1 when it
   * is the reply to nothing we sent.
   */
  #check(conn: Conn, buf: Buffer, start: number, end: number): number {
    const size = this.#o.payloadSize;
    if (end - start !== size) return -1;
    const fixedStart = this.#payloadOffset + this.#head;
    const fixed = buf.compare(
      this.#template,
      fixedStart,
      this.#payloadOffset + size,
      start + this.#head,
      end,
    );
    if (fixed !== 0) return -1;
    this.#writeId(conn.id, conn.answered, this.#scratch, 0);
    if (buf.compare(this.#scratch, 0, this.#head, start, start + this.#head) === 0) return 0;
    if (size < 8 || buf.readUInt32LE(start) !== conn.id >>> 0) return -1;
    const skipped = (buf.readUInt32LE(start + 4) - conn.answered) >>> 0;
    return skipped > 0 && skipped < conn.sent - conn.answered ? skipped : -1;
  }

  #wrong(conn: Conn, description: string): void {
    this.#error("wrongReply", 1, `connection ${conn.id}: ${description}`);
    conn.lastError = new Error(description);
    conn.state = "failed";
    conn.socket?.destroy();
    this.#settle(conn);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
