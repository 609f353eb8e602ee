// The load generator: n connections, every reply checked against the
// request it answers, every latency into a histogram.
//
// Three ways to send:
// - closed loop (the throughput scenarios): each connection keeps
//   `inFlight` requests in flight and sends a new one for every reply;
// - open loop (`rate`): requests are due at fixed times, `rate` a second
//   over all connections, sent whether or not earlier ones were answered;
//   latency counts from the time a request was due (see schedule.ts);
// - counted (`requestsPerConnection`): either loop, stopping once every
//   connection has sent that many and has all its replies.
// Time-based runs warm up (at least `warmupMs`, and until every connection
// has been answered or first replies stop coming), measure for
// `durationMs`, stop sending, then wait up to `graceMs` for replies still
// due. A stop signal ends sending early the same way.
//
// Checking a reply is the workload's job (workloads.ts); a reply to a later
// request means the ones in between were skipped (missing replies); anything
// else is a wrong reply, after which the connection is out of step and is
// closed. A connection that got no reply at all is "starved" (phase 2
// serves one client at a time): a figure of its own, not an error.
//
// Cheap per request, so that it measures the server and not itself: every
// socket reads into one shared buffer (`onread`: no Buffer and no stream
// event per read), a connection's requests of one loop turn go out in one
// write, and nothing is allocated per request but the bytes sent. Profiled
// with --cpu-prof, most of its time is then the kernel's: the write()
// syscall, which on loopback also runs the receiving side's TCP work.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { describeError, errorCode } from "@rah/core";
import { ProtocolError, ReplyReader } from "./codecs.ts";
import type { CpuTicks } from "./cpu.ts";
import { Histogram, type LatencySummary } from "./histogram.ts";
import { OpenLoopSchedule } from "./schedule.ts";
import { clockTicks, cpuTicksOf } from "./system.ts";
import {
  type ConnWorkload,
  createWorkload,
  type Workload,
  type WorkloadSpec,
} from "./workloads.ts";

export interface LoadOptions {
  host: string;
  port: number;
  workload: WorkloadSpec;
  connections: number;
  /**
   * Closed loop: requests each connection keeps in flight. Open loop: the
   * most a connection may have unanswered; requests due beyond that wait
   * (and count as late) until replies make room.
   */
  inFlight: number;
  /** Open loop: requests per second over all connections. Absent: closed loop. */
  rate?: number;
  /** Requests per connection, then stop; absent: send until the time is up. */
  requestsPerConnection?: number;
  /** Load before measuring starts (time-based runs). */
  warmupMs: number;
  /**
   * Warm-up goes on while connections still get their first reply, until
   * none has for this long (default 1000 ms). See #untilAnswered.
   */
  warmupStallMs?: number;
  /** The measured time (time-based runs), or the time limit (counted runs); null: no limit. */
  durationMs: number | null;
  /** How long to wait for the replies still due once sending stops. */
  graceMs: number;
  /** Connections being set up at once (a burst beyond the listen backlog gets SYN retries). */
  connectConcurrency?: number;
  connectTimeoutMs?: number;
  /** Open loop: poll instead of sleeping when a request is due within 2 ms (needs a core of its own). */
  spin?: boolean;
  /** The server's pid: its CPU time is read from /proc at the start and end of the measured window. */
  serverPid?: number;
}

export interface LoadHooks {
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
  /** Counted runs: called with every reply in, before closing; closing waits for it. */
  hold?(open: number): Promise<void>;
  /**
   * Ends sending at once, as if the time were up. With reason "interrupt"
   * (Ctrl-C) the replies still due after the grace time are reported as
   * `dueAtStop`, not as missing.
   */
  signal?: AbortSignal;
  /** Called every `progressMs` (default 250) while the load runs. */
  onProgress?(progress: { sent: number; good: number; errors: number }): void;
  progressMs?: number;
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

/** A process's CPU ticks at the start and end of the measured window. */
export interface TicksWindow {
  start: CpuTicks;
  end: CpuTicks;
  ticksPerSecond: number;
}

export interface LoadResult {
  connections: number;
  /** Connections that were established. */
  connected: number;
  /** Connections that got no reply at all, and no error either. */
  starved: number;
  /** Requests written, in the whole run. */
  sent: number;
  /** Correct replies received while measuring. */
  replies: number;
  /** Correct replies received in the whole run. */
  good: number;
  elapsedMs: number;
  requestsPerSecond: number;
  /**
   * From sending (closed loop) or from the time it was due (open loop) to
   * the reply, for the requests sent (due) while measuring, replies that
   * came in the grace time included.
   */
  latency: LatencySummary;
  /** Open loop: how late requests went out, against their schedule. */
  sendLag: LatencySummary | null;
  errors: LoadErrors;
  /** Total of `errors`. */
  errorCount: number;
  /** Of `closedEarly`: connections closed by the server before their first reply. */
  closedBeforeReply: number;
  /** After an interrupt: replies still due when the load generator stopped waiting (not errors). */
  dueAtStop: number;
  /** The first few errors, described, for the report. */
  errorSamples: string[];
  /** The load generator's own CPU time while measuring, in % of one core, and in µs. */
  clientCpuPercent: number;
  clientCpuMicros: number;
  /** The server's CPU ticks over the measured window (with `serverPid`, on Linux). */
  serverTicks: TicksWindow | null;
}

const MAX_SAMPLES = 5;
/** The warm-up may grow by this much at most, waiting for first replies. */
const WARMUP_MAX_EXTRA_MS = 5000;
/** Every socket reads into this one buffer (a read takes at most this much). */
const READ_BUFFER = 64 * 1024;

interface Conn {
  readonly id: number;
  socket: net.Socket | null;
  readonly reader: ReplyReader;
  readonly work: ConnWorkload;
  state: "idle" | "connecting" | "open" | "failed" | "closed";
  /** Requests written; the next request's sequence number. */
  sent: number;
  /** Replies taken; the sequence number the next reply must carry. */
  answered: number;
  /** Correct replies. */
  replies: number;
  /** Closed loop: send time of every request in flight, by sequence number modulo inFlight. */
  readonly sendTimes: Float64Array;
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
  readonly #workload: Workload;
  readonly #conns: Conn[];
  readonly #budget: number;
  readonly #histogram = new Histogram();
  readonly #lag = new Histogram();
  readonly #readBuffer = Buffer.allocUnsafe(READ_BUFFER);
  readonly #errors: LoadErrors = {
    wrongReply: 0,
    missingReply: 0,
    closedEarly: 0,
    connectFailed: 0,
  };
  readonly #samples: string[] = [];
  #schedule: OpenLoopSchedule | null = null;
  #touched: Int32Array;
  #ticker: NodeJS.Timeout | NodeJS.Immediate | null = null;
  #sending = false;
  #measuring = false;
  #closing = false;
  #stopped = false;
  #measured = 0;
  /**
   * The measured window. Latencies are those of the requests sent (or due)
   * inside it, whenever their replies come: a slow reply that arrives after
   * the window still counts, and one to a warm-up request does not.
   */
  #windowStart = Number.POSITIVE_INFINITY;
  #windowEnd = Number.POSITIVE_INFINITY;
  #good = 0;
  #sent = 0;
  #closedBeforeReply = 0;
  #unsettled = 0;
  /** When a connection last got its first reply (see #untilAnswered). */
  #lastFirstReply = 0;
  /** Wakes whatever the run is waiting for: settled connections, a stop. */
  #wake: (() => void) | null = null;

  constructor(options: LoadOptions, hooks: LoadHooks) {
    this.#o = options;
    this.#hooks = hooks;
    this.#budget = options.requestsPerConnection ?? Number.POSITIVE_INFINITY;
    this.#workload = createWorkload(options.workload);
    const slots = options.rate ? 1 : Math.max(1, Math.min(options.inFlight, this.#budget));
    this.#touched = new Int32Array(options.connections);
    this.#conns = Array.from({ length: options.connections }, (_, id) => ({
      id,
      socket: null,
      reader: new ReplyReader(this.#workload.codec, this.#workload.maxReply),
      work: this.#workload.connection(id),
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
    const { signal } = this.#hooks;
    const onStop = () => {
      this.#stopped = true;
      this.#wake?.();
    };
    signal?.addEventListener("abort", onStop, { once: true });
    const progress = this.#hooks.onProgress;
    const timer = progress
      ? setInterval(
          () => progress({ sent: this.#sent, good: this.#good, errors: this.#errorTotal() }),
          this.#hooks.progressMs ?? 250,
        )
      : null;
    try {
      return await this.#run();
    } finally {
      if (timer) clearInterval(timer);
      signal?.removeEventListener("abort", onStop);
      this.#stopTicker();
      this.#closing = true;
      for (const conn of this.#conns) conn.socket?.destroy();
    }
  }

  async #run(): Promise<LoadResult> {
    const counted = Number.isFinite(this.#budget);
    // Everyone connects before anyone sends, so the server's only work
    // during the connection burst is accepting.
    this.#unsettled = this.#conns.length;
    if (this.#hooks.signal?.aborted) this.#stopped = true;
    await this.#connectAll();
    this.#sending = !this.#stopped;
    this.#lastFirstReply = performance.now();

    let measure: Measure;
    if (counted) {
      measure = this.#startMeasuring();
      this.#startSending();
      await this.#until(() => this.#unsettled <= 0, this.#o.durationMs);
    } else {
      this.#startSending();
      await this.#until(() => false, this.#o.warmupMs);
      await this.#untilAnswered();
      measure = this.#startMeasuring();
      await this.#until(() => false, this.#o.durationMs);
    }
    const { elapsedMs, clientCpu, serverTicks } = this.#endMeasuring(measure);

    // Wait for the replies still due, except from connections that never
    // got any: those are starved, and may never be answered.
    this.#unsettled = 0;
    for (const conn of this.#conns) {
      conn.settled = !(conn.state === "open" && conn.replies > 0 && conn.answered < conn.sent);
      if (!conn.settled) this.#unsettled++;
    }
    const interrupted = this.#hooks.signal?.reason === "interrupt";
    // After Ctrl-C the user is waiting: a short grace, whatever was asked.
    const grace = interrupted ? Math.min(this.#o.graceMs, 1000) : this.#o.graceMs;
    this.#stopped = false;
    await this.#until(() => this.#unsettled <= 0, grace);
    let dueAtStop = 0;
    for (const conn of this.#conns) {
      const due = conn.sent - conn.answered;
      if (conn.state !== "open" || conn.replies === 0 || due <= 0) continue;
      if (interrupted) dueAtStop += due;
      else {
        this.#error(
          "missingReply",
          due,
          `connection ${conn.id}: ${due} replies still due ${grace} ms after sending stopped`,
        );
      }
    }
    if (this.#hooks.hold)
      await this.#hooks.hold(this.#conns.filter((c) => c.state === "open").length);

    const starved = this.#conns.filter(
      (c) =>
        c.replies === 0 &&
        (c.state === "open" || c.state === "closed") &&
        c.lastError === undefined,
    ).length;
    return {
      connections: this.#conns.length,
      connected: this.#conns.filter((c) => c.state === "open" || c.state === "closed").length,
      starved,
      sent: this.#sent,
      replies: this.#measured,
      good: this.#good,
      elapsedMs,
      requestsPerSecond: elapsedMs > 0 ? (this.#measured * 1000) / elapsedMs : 0,
      latency: this.#histogram.summary(),
      sendLag: this.#o.rate ? this.#lag.summary() : null,
      errors: { ...this.#errors },
      errorCount: this.#errorTotal(),
      closedBeforeReply: this.#closedBeforeReply,
      dueAtStop,
      errorSamples: [...this.#samples],
      clientCpuPercent: elapsedMs > 0 ? clientCpu / 10 / elapsedMs : 0,
      clientCpuMicros: clientCpu,
      serverTicks,
    };
  }

  #errorTotal(): number {
    const e = this.#errors;
    return e.wrongReply + e.missingReply + e.closedEarly + e.connectFailed;
  }

  #startSending(): void {
    if (!this.#sending) return;
    if (this.#o.rate) {
      this.#schedule = new OpenLoopSchedule(performance.now(), this.#o.rate, this.#conns.length);
      this.#tick();
    } else {
      for (const conn of this.#conns) this.#refill(conn);
    }
  }

  /**
   * Open loop: sends every request that is due, one write per connection,
   * then sleeps until the next one is due. With `spin`, a wait under 2 ms
   * is spent polling (setImmediate runs after each poll for I/O), so sends
   * go out within microseconds of their time; otherwise timers wake it,
   * about a millisecond late at worst.
   */
  #tick = (): void => {
    this.#ticker = null;
    const schedule = this.#schedule;
    if (!this.#sending || !schedule) return;
    const now = performance.now();
    const n = schedule.advance(now, this.#touched);
    for (let i = 0; i < n; i++) {
      const conn = this.#conns[this.#touched[i] ?? 0];
      if (conn) this.#sendDue(conn, now);
    }
    const wait = schedule.nextAt - performance.now();
    if (this.#o.spin && wait < 2) this.#ticker = setImmediate(this.#tick);
    else this.#ticker = setTimeout(this.#tick, Math.max(0, wait - (this.#o.spin ? 1 : 0)));
  };

  #stopTicker(): void {
    if (this.#ticker === null) return;
    clearTimeout(this.#ticker as NodeJS.Timeout);
    clearImmediate(this.#ticker as NodeJS.Immediate);
    this.#ticker = null;
  }

  #startMeasuring(): Measure {
    this.#measuring = true;
    this.#measured = 0;
    this.#hooks.onMeasureStart?.();
    const pid = this.#o.serverPid;
    this.#windowStart = performance.now();
    return {
      start: this.#windowStart,
      cpu: process.cpuUsage(),
      server: pid === undefined ? null : cpuTicksOf(pid),
    };
  }

  #endMeasuring(m: Measure): {
    elapsedMs: number;
    clientCpu: number;
    serverTicks: TicksWindow | null;
  } {
    this.#windowEnd = performance.now();
    const elapsedMs = this.#windowEnd - m.start;
    const used = process.cpuUsage(m.cpu);
    const pid = this.#o.serverPid;
    const end = pid === undefined ? null : cpuTicksOf(pid);
    this.#measuring = false;
    this.#sending = false;
    this.#stopTicker();
    this.#hooks.onMeasureEnd?.();
    return {
      elapsedMs,
      clientCpu: used.user + used.system,
      serverTicks: m.server && end ? { start: m.server, end, ticksPerSecond: clockTicks() } : null,
    };
  }

  /**
   * Resolves when `done()` holds (checked whenever a connection settles),
   * after `ms` (null: never), or when the run is stopped.
   */
  #until(done: () => boolean, ms: number | null): Promise<void> {
    if (done() || this.#stopped || ms === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(finish, ms);
      const self = this;
      function finish() {
        if (timer) clearTimeout(timer);
        self.#wake = null;
        resolve();
      }
      this.#wake = () => {
        if (done() || this.#stopped) finish();
      };
    });
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
      if (this.#stopped) return;
      await this.#until(() => false, 50);
    }
  }

  #settle(conn: Conn): void {
    if (conn.settled) return;
    conn.settled = true;
    this.#unsettled--;
    if (this.#unsettled <= 0) this.#wake?.();
  }

  #error(kind: keyof LoadErrors, count: number, description: string): void {
    this.#errors[kind] += count;
    if (this.#samples.length < MAX_SAMPLES) this.#samples.push(description);
  }

  async #connectAll(): Promise<void> {
    let next = 0;
    const lane = async () => {
      for (let conn = this.#conns[next++]; conn; conn = this.#conns[next++]) {
        if (this.#stopped) return;
        await this.#connect(conn);
      }
    };
    const lanes = Math.min(this.#o.connectConcurrency ?? 200, this.#conns.length);
    await Promise.all(Array.from({ length: lanes }, lane));
  }

  #connect(conn: Conn): Promise<void> {
    return new Promise((resolve) => {
      conn.state = "connecting";
      const timeout = this.#o.connectTimeoutMs ?? 10_000;
      const socket = net.connect({
        host: this.#o.host,
        port: this.#o.port,
        // Every socket reads into the same buffer and hands us the bytes
        // directly: no Buffer, no 'data' event, no stream machinery per read.
        onread: {
          buffer: this.#readBuffer,
          callback: (nread: number, buf: Uint8Array) => {
            this.#onRead(conn, nread, buf as Buffer);
            return true; // false would pause the socket
          },
        },
      });
      conn.socket = socket;
      const timer = setTimeout(() => {
        conn.lastError = new Error(`no connection after ${timeout} ms`);
        socket.destroy();
      }, timeout);
      socket.once("connect", () => {
        clearTimeout(timer);
        // A load generator measures the server, not Nagle's algorithm.
        socket.setNoDelay(true);
        conn.state = "open";
        this.#refill(conn);
        resolve();
      });
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
          if (conn.replies === 0) this.#closedBeforeReply++;
          this.#error(
            "closedEarly",
            1,
            conn.replies === 0
              ? `connection ${conn.id}: the server ${how} it before any reply (${conn.sent} request${conn.sent === 1 ? "" : "s"} sent)`
              : `connection ${conn.id}: the server ${how} it after ${conn.replies} replies (${conn.sent - conn.answered} due)`,
          );
        }
        this.#settle(conn);
      });
    });
  }

  /** Closed loop: tops the connection up to `inFlight` requests, within its budget, in one write. */
  #refill(conn: Conn): void {
    if (!this.#sending || this.#o.rate || conn.state !== "open") return;
    const count = Math.min(
      this.#o.inFlight - (conn.sent - conn.answered),
      this.#budget - conn.sent,
    );
    if (count > 0) this.#send(conn, count, performance.now());
  }

  /** Open loop: sends what is due on this connection, within its budget and in-flight cap. */
  #sendDue(conn: Conn, now: number): void {
    const schedule = this.#schedule;
    if (!schedule || conn.state !== "open") return;
    const due = Math.min(schedule.dueBy(conn.id, now), this.#budget);
    const count = Math.min(due - conn.sent, this.#o.inFlight - (conn.sent - conn.answered));
    if (count <= 0) return;
    // How late each request goes out: the load generator's own lag.
    for (let seq = conn.sent; seq < conn.sent + count; seq++) {
      if (this.#measuring) this.#lag.record((now - schedule.scheduledAt(conn.id, seq)) * 1000);
    }
    this.#send(conn, count, now);
  }

  #send(conn: Conn, count: number, now: number): void {
    const socket = conn.socket;
    if (!socket) return;
    const out = Buffer.allocUnsafe(count * this.#workload.maxRequest);
    let at = 0;
    const ring = conn.sendTimes;
    for (let i = 0; i < count; i++) {
      at = conn.work.write(conn.sent, out, at);
      ring[conn.sent % ring.length] = now;
      conn.sent++;
    }
    this.#sent += count;
    socket.write(at === out.length ? out : out.subarray(0, at));
  }

  #onRead(conn: Conn, nread: number, buf: Buffer): void {
    if (conn.state !== "open" || nread <= 0) return;
    const now = performance.now();
    const reader = conn.reader;
    reader.push(buf.subarray(0, nread));
    const schedule = this.#schedule;
    for (;;) {
      let decoded: ReturnType<ReplyReader["next"]>;
      try {
        decoded = reader.next();
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
      const due = conn.sent - conn.answered;
      if (due <= 0) {
        this.#wrong(conn, "a reply to no request");
        return;
      }
      const skipped = conn.work.check(
        conn.answered,
        due,
        reader.buffer,
        decoded.start,
        decoded.end,
      );
      if (skipped < 0) {
        this.#wrong(
          conn,
          conn.work.explain(conn.answered, reader.buffer, decoded.start, decoded.end),
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
      if (this.#measuring) this.#measured++;
      const since = schedule
        ? schedule.scheduledAt(conn.id, conn.answered)
        : (conn.sendTimes[conn.answered % conn.sendTimes.length] ?? now);
      if (since >= this.#windowStart && since < this.#windowEnd) {
        this.#histogram.record((now - since) * 1000);
      }
      conn.answered++;
      this.#good++;
      if (conn.replies++ === 0) this.#lastFirstReply = now;
    }
    // The shared read buffer is reused for the next socket's read.
    reader.keep();
    this.#refill(conn);
    if (conn.answered >= this.#budget || (!this.#sending && conn.answered >= conn.sent)) {
      this.#settle(conn);
    }
  }

  #wrong(conn: Conn, description: string): void {
    this.#error("wrongReply", 1, `connection ${conn.id}: ${description}`);
    conn.lastError = new Error(description);
    conn.state = "failed";
    conn.socket?.destroy();
    this.#settle(conn);
  }
}

interface Measure {
  start: number;
  cpu: NodeJS.CpuUsage;
  server: CpuTicks | null;
}
