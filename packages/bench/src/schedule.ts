// The open-loop schedule: when each request is due, whatever the server
// does.
//
// A closed loop (send, wait for the reply, send the next) lets a slow server
// slow the load down: while it stalls, nothing is sent, so the stall shows
// up as one slow request instead of all the requests that should have been
// sent meanwhile ("coordinated omission"). Here request `seq` of connection
// `conn` is due at a fixed time, `rate` requests a second spread evenly
// over the connections, and its latency is counted from that time, not
// from when it actually went out: a reply held up by the server, or a send
// held up by the load generator itself, counts in full.

export class OpenLoopSchedule {
  readonly #start: number;
  readonly #interval: number;
  readonly #connections: number;
  /** Requests (over all connections, in schedule order) taken so far. */
  #taken = 0;

  /** `rate` requests/s in all over `connections` connections, the first at `start` (ms). */
  constructor(start: number, rate: number, connections: number) {
    if (!(rate > 0) || connections < 1) throw new RangeError("rate and connections must be > 0");
    this.#start = start;
    this.#interval = 1000 / rate;
    this.#connections = connections;
  }

  /** When request `seq` of connection `conn` is due (ms, same clock as `start`). */
  scheduledAt(conn: number, seq: number): number {
    return this.#start + (seq * this.#connections + conn) * this.#interval;
  }

  /** How many requests connection `conn` should have sent by `now`. */
  dueBy(conn: number, now: number): number {
    const slots = Math.floor((now - this.#start) / this.#interval) + 1;
    if (slots <= conn) return 0;
    return Math.floor((slots - conn - 1) / this.#connections) + 1;
  }

  /** When the first request not yet taken by advance() is due. */
  get nextAt(): number {
    return this.#start + this.#taken * this.#interval;
  }

  /**
   * Takes every request due by `now` and writes the connections that got
   * new ones into `touched` (each once, in schedule order); returns how
   * many. `touched` must hold `connections` entries. A caller that was late
   * gets everything it missed at once: the requests are not dropped and not
   * rescheduled.
   */
  advance(now: number, touched: Int32Array): number {
    const due = Math.max(this.#taken, Math.floor((now - this.#start) / this.#interval) + 1);
    const fresh = due - this.#taken;
    const n = Math.min(fresh, this.#connections);
    for (let i = 0; i < n; i++) touched[i] = (this.#taken + i) % this.#connections;
    this.#taken = due;
    return n;
  }
}
