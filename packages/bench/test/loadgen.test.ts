import type net from "node:net";
import { startTestServer, type TestServer } from "@rah/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { frameCodec } from "../src/codecs.ts";
import { startFloorServer } from "../src/floor-server.ts";
import { type LoadOptions, runLoad } from "../src/loadgen.ts";

/** What a test server does with request number `n` (counted per connection) on connection `conn`. */
type Answer = (payload: Buffer, n: number, socket: net.Socket, conn: number) => void;

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A test server on a free loopback port; afterEach closes it and its connections. */
async function serve(onConnection: (socket: net.Socket) => void): Promise<number> {
  const server = await startTestServer(onConnection);
  servers.push(server);
  return server.port;
}

/** A tiny frame server whose answers are up to the test: that is how it breaks on purpose. */
async function frameServer(answer: Answer): Promise<number> {
  let conns = 0;
  return serve((socket) => {
    const conn = conns++;
    let buf: Buffer = Buffer.alloc(0);
    let n = 0;
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const d = frameCodec.decodeReply(buf, 0, Number.MAX_SAFE_INTEGER);
        if (d?.kind !== "payload" || socket.destroyed) break;
        answer(Buffer.from(buf.subarray(d.start, d.end)), n++, socket, conn);
        buf = buf.subarray(d.next);
      }
    });
  });
}

const echo = (payload: Buffer, socket: net.Socket) =>
  socket.write(frameCodec.encodeRequest(payload).bytes);

/** The options of a short run; `size` and `protocol` shape the echo workload. */
function load(
  port: number,
  more: Partial<LoadOptions> & { size?: number; protocol?: "frame" | "resp" } = {},
): LoadOptions {
  const { size = 32, protocol = "frame", ...rest } = more;
  return {
    host: "127.0.0.1",
    port,
    workload: { kind: "echo", protocol, payloadSize: size },
    connections: 2,
    inFlight: 4,
    warmupMs: 50,
    warmupStallMs: 100,
    durationMs: 300,
    graceMs: 300,
    ...rest,
  };
}

describe("runLoad against a correct server", () => {
  // The floor answers everything: replies are counted, nothing is flagged.
  it("counts replies and finds no errors", async () => {
    const floor = await startFloorServer("127.0.0.1", 0);
    try {
      const result = await runLoad(load(floor.port, { connections: 3 }));
      expect(result.errorCount).toBe(0);
      expect(result.replies).toBeGreaterThan(0);
      expect(result.latency.count).toBeGreaterThan(0);
      expect(result.starved).toBe(0);
      expect(result.connected).toBe(3);
    } finally {
      await floor.close();
    }
  });

  // A counted run sends exactly the requests asked for and gets every reply.
  it("runs a pipeline of a given length", async () => {
    const floor = await startFloorServer("127.0.0.1", 0);
    try {
      const result = await runLoad(
        load(floor.port, {
          connections: 1,
          inFlight: 5000,
          requestsPerConnection: 5000,
          size: 5,
        }),
      );
      expect(result.replies).toBe(5000);
      expect(result.errorCount).toBe(0);
    } finally {
      await floor.close();
    }
  });
});

describe("runLoad detects a broken server", () => {
  // One flipped byte in one reply is a wrong reply.
  it("detects a wrong reply", async () => {
    const port = await frameServer((payload, n, socket) => {
      if (n === 3) payload[payload.length - 1] = (payload.at(-1) ?? 0) ^ 1;
      echo(payload, socket);
    });
    const result = await runLoad(load(port));
    expect(result.errors.wrongReply).toBeGreaterThanOrEqual(1);
    expect(result.errorSamples.join()).toMatch(/does not match/);
  });

  // A reply of the wrong length is wrong too, even though it is a valid frame.
  it("detects a reply of the wrong length", async () => {
    const port = await frameServer((payload, n, socket) =>
      echo(n === 2 ? payload.subarray(1) : payload, socket),
    );
    const result = await runLoad(load(port));
    expect(result.errors.wrongReply).toBeGreaterThanOrEqual(1);
  });

  // A request skipped in the middle shows up as a missing reply, not a wrong one.
  it("detects a skipped reply", async () => {
    const port = await frameServer((payload, n, socket) => {
      if (n !== 5) echo(payload, socket);
    });
    const result = await runLoad(load(port, { connections: 1 }));
    expect(result.errors.missingReply).toBe(1);
    expect(result.errors.wrongReply).toBe(0);
  });

  // A server that stops answering leaves replies due after the grace time: missing.
  it("detects replies that never come", async () => {
    const port = await frameServer((payload, n, socket) => {
      if (n < 10) echo(payload, socket);
    });
    const result = await runLoad(load(port, { connections: 1 }));
    expect(result.errors.missingReply).toBeGreaterThan(0);
    expect(result.starved).toBe(0);
  });

  // A server that closes the connection while requests are due closed it early.
  it("detects a server that closes early", async () => {
    const port = await frameServer((payload, n, socket) => {
      if (n === 6) socket.destroy();
      else echo(payload, socket);
    });
    const result = await runLoad(load(port, { connections: 1 }));
    expect(result.errors.closedEarly).toBe(1);
    expect(result.closedBeforeReply).toBe(0);
    expect(result.errorSamples.join()).toMatch(
      /closed it after 6 replies|reset it after 6 replies/,
    );
  });

  // A connection closed before its first reply (a connection limit) is told apart.
  it("counts connections closed before any reply", async () => {
    const port = await frameServer((payload, _n, socket, conn) => {
      if (conn >= 1) socket.destroy();
      else echo(payload, socket);
    });
    const result = await runLoad(load(port, { connections: 3, connectConcurrency: 1 }));
    expect(result.closedBeforeReply).toBe(2);
    expect(result.errors.closedEarly).toBe(2);
    expect(result.errorSamples.join()).toMatch(/before any reply/);
  });

  // Nobody listening: every connection fails to connect, and the run still ends.
  it("counts failed connects", async () => {
    const port = await frameServer(() => {});
    await servers.pop()?.close();
    const result = await runLoad(load(port));
    expect(result.errors.connectFailed).toBe(2);
    expect(result.replies).toBe(0);
  });
});

describe("starvation", () => {
  // A server that only answers its first client starves the second: a figure, not an error.
  it("reports a client that got no reply as starved", async () => {
    const port = await frameServer((payload, _n, socket, conn) => {
      if (conn === 0) echo(payload, socket);
    });
    const result = await runLoad(load(port, { connections: 3, connectConcurrency: 1 }));
    expect(result.starved).toBe(2);
    expect(result.errorCount).toBe(0);
    expect(result.replies).toBeGreaterThan(0);
  });
});

describe("warm-up", () => {
  // A connection whose first reply comes late (as when the server's accept
  // queue overflowed and the handshake was retried) is waited for, not starved.
  it("waits for a late first reply before measuring", async () => {
    const port = await frameServer((payload, n, socket, conn) => {
      if (conn === 1 && n === 0) setTimeout(() => echo(payload, socket), 600);
      else echo(payload, socket);
    });
    const result = await runLoad(
      load(port, { connections: 2, inFlight: 1, connectConcurrency: 1, warmupStallMs: 1000 }),
    );
    expect(result.starved).toBe(0);
    expect(result.errorCount).toBe(0);
  });
});

describe("RESP", () => {
  /** Just enough of Redis: PING <arg> answers <arg> as a bulk string; the `fail`-th PING gets -ERR. */
  async function pingServer(fail = -1): Promise<number> {
    return serve((socket) => {
      let text = "";
      let n = 0;
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => {
        text += chunk;
        for (;;) {
          const m = /^\*2\r\n\$4\r\nPING\r\n\$(\d+)\r\n/.exec(text);
          if (!m) break;
          const size = Number(m[1]);
          if (text.length < m[0].length + size + 2) break;
          const arg = text.slice(m[0].length, m[0].length + size);
          text = text.slice(m[0].length + size + 2);
          socket.write(n++ === fail ? "-ERR no\r\n" : `$${size}\r\n${arg}\r\n`, "latin1");
        }
      });
    });
  }

  // PING <payload> through RESP is checked like a frame echo.
  it("speaks RESP to a Redis-like server", async () => {
    const result = await runLoad(load(await pingServer(), { protocol: "resp" }));
    expect(result.errorCount).toBe(0);
    expect(result.replies).toBeGreaterThan(0);
  });

  // An error reply counts as a wrong reply.
  it("counts an error reply as wrong", async () => {
    const result = await runLoad(load(await pingServer(3), { protocol: "resp", connections: 1 }));
    expect(result.errors.wrongReply).toBe(1);
  });
});

describe("the measured window", () => {
  // A reply that comes after the window, to a request sent in it, still counts its full latency.
  it("keeps the latency of a reply that arrives after the window", async () => {
    // Request 0 is answered at once (the warm-up ends on a first reply), request 1
    // after 250 ms (sent before the window opened), request 2, sent inside the
    // 1 s window, after 1.5 s: after the window has closed.
    const delays = [0, 250, 1500];
    const port = await frameServer((payload, n, socket) => {
      setTimeout(() => echo(payload, socket), delays[n] ?? 0);
    });
    const result = await runLoad(
      load(port, { connections: 1, inFlight: 1, warmupMs: 0, durationMs: 1000, graceMs: 3000 }),
    );
    expect(result.errorCount).toBe(0);
    // One reply came in the window (to request 1, sent before it): counted for the rate, not the latency.
    expect(result.replies).toBe(1);
    expect(result.latency.count).toBe(1);
    expect(result.latency.max).toBeGreaterThanOrEqual(1_500_000);
  });
});

describe("open loop", () => {
  // Requests go out on schedule while an earlier one is still unanswered: no waiting for replies.
  it("keeps sending while a reply is held back", async () => {
    // The first request is answered after 300 ms; requests arriving meanwhile are
    // kept and answered right after it, in order.
    const held: Buffer[] = [];
    let holding = true;
    const port = await frameServer((payload, n, socket) => {
      if (n === 0) {
        setTimeout(() => {
          holding = false;
          echo(payload, socket);
          for (const p of held) echo(p, socket);
        }, 300);
      } else if (holding) held.push(payload);
      else echo(payload, socket);
    });
    const result = await runLoad(
      load(port, { connections: 1, rate: 200, inFlight: 1000, warmupMs: 0, durationMs: 600 }),
    );
    expect(result.errorCount).toBe(0);
    expect(held.length).toBeGreaterThan(1);
  });

  // A request the load generator itself sent late counts from the time it was due.
  it("counts latency from the scheduled time", async () => {
    const port = await frameServer((payload, _n, socket) => echo(payload, socket));
    const blockMs = 200;
    // Once measuring, this process stalls for 200 ms: requests due meanwhile go out late.
    const result = await runLoad(
      load(port, { connections: 2, rate: 1000, inFlight: 1000, warmupMs: 0, durationMs: 500 }),
      {
        onMeasureStart: () => {
          setTimeout(() => {
            const until = performance.now() + blockMs;
            while (performance.now() < until) {
              // busy: the event loop cannot send or read
            }
          }, 100);
        },
      },
    );
    expect(result.errorCount).toBe(0);
    // The first request due in the stall waited for all of it before being sent.
    expect(result.sendLag?.max ?? 0).toBeGreaterThanOrEqual((blockMs - 2) * 1000);
    expect(result.latency.max).toBeGreaterThanOrEqual((blockMs - 2) * 1000);
  });
});

describe("stopping early", () => {
  /** A server that answers the first 5 requests of each connection, then nothing. */
  const stalls = () =>
    frameServer((payload, n, socket) => {
      if (n < 5) echo(payload, socket);
    });

  // Ctrl-C: requests never sent are not errors, and the replies still due are reported apart.
  it("reports an interrupted run without counting what was never sent", async () => {
    const port = await stalls();
    const stop = new AbortController();
    setTimeout(() => stop.abort("interrupt"), 200);
    const result = await runLoad(
      load(port, {
        connections: 1,
        inFlight: 8,
        requestsPerConnection: 1000,
        durationMs: null,
        graceMs: 100,
      }),
      { signal: stop.signal },
    );
    expect(result.sent).toBeLessThan(1000);
    expect(result.errorCount).toBe(0);
    expect(result.dueAtStop).toBe(result.sent - result.good);
    expect(result.dueAtStop).toBeGreaterThan(0);
  });

  // A planned stop (the bench ending a flood) still counts replies that never come as missing.
  it("counts missing replies after a planned stop", async () => {
    const port = await stalls();
    const stop = new AbortController();
    setTimeout(() => stop.abort("planned"), 200);
    const result = await runLoad(
      load(port, { connections: 1, inFlight: 8, durationMs: null, graceMs: 100 }),
      { signal: stop.signal },
    );
    expect(result.errors.missingReply).toBe(result.sent - result.good);
    expect(result.dueAtStop).toBe(0);
  });
});
