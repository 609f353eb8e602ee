// What the event loop adds, over real TCP: many clients at once, pipelines
// of any length, half-close, backpressure on clients that do not read, and
// limits, each one costing only the client that hits it. Requests are
// commands now: gets of keys set beforehand, so every reply is its own.
import { Writable } from "node:stream";
import { createLogger, type Logger, silentLogger } from "@rah/core";
import { captureLog, openClient, type RawClient, sleep, withTimeout } from "@rah/core/testing";
import { header, kvRequest, readFrame, typed } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { type ServerOptions, startServer } from "../src/server.ts";
import { get, gets, hex, hit, hits, storeWith, valueFor } from "./helpers/kv.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: Partial<ServerOptions> = {}) {
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: silentLogger,
    ...options,
  });
  cleanup.push(() => server.close());
  const open = async (): Promise<RawClient> => {
    const client = await openClient(server.port);
    client.socket.setNoDelay(true);
    cleanup.push(() => client.destroy());
    return client;
  };
  return { server, open };
}

/** Waits until `check()` is true, polling; fails with `what` after `ms`. */
async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  await withTimeout(
    (async () => {
      while (!check()) await sleep(10);
    })(),
    ms,
    what,
  );
}

/**
 * The n-th key of a client's pipeline, and the value it holds: different for
 * every request, of varying length.
 */
const key = (client: number, n: number) => `client ${client} key ${n}`;
const value = (client: number, n: number) => `client ${client} value ${n} ${"x".repeat(n % 7)}`;

describe("many clients at once", () => {
  // Shows: 1000 clients, each sending its requests in pieces interleaved with
  // everyone else's, each get exactly their own replies, in order.
  test("1000 clients with partial frames interleaved each get exactly their own replies", async () => {
    const entries = Array.from({ length: 1000 }, (_, i) =>
      [0, 1, 2].map((n) => [key(i, n), value(i, n)] as const),
    ).flat();
    const { server, open } = await start({ store: storeWith(entries) });
    const clients: RawClient[] = [];
    for (let batch = 0; batch < 10; batch++) {
      clients.push(...(await Promise.all(Array.from({ length: 100 }, () => open()))));
    }
    await until(() => server.connections() === 1000, "1000 connections accepted");

    // Every client's stream, cut in three: inside the first header, inside
    // the second payload, and the rest. Round r sends piece r of everyone.
    const streams = clients.map((_, i) => gets([key(i, 0), key(i, 1), key(i, 2)]));
    const pieces = streams.map((stream, i) => {
      const first = 1 + (i % 3);
      const second = stream.length - 3 - (i % 5);
      return [stream.subarray(0, first), stream.subarray(first, second), stream.subarray(second)];
    });
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        clients.map((client, i) => client.send(pieces[i]?.[round] ?? Buffer.alloc(0))),
      );
    }

    await Promise.all(
      clients.map(async (client, i) => {
        for (let n = 0; n < 3; n++)
          expect(hex(await readFrame(client))).toBe(hex(hit(value(i, n))));
      }),
    );
    await sleep(50);
    // Nothing more than their own three replies.
    expect(clients.every((client) => client.buffered() === 0)).toBe(true);
  });

  // Shows: a client that sent 3 bytes of a header and stalls does not delay a request from another.
  test("a stalled client and an active one are served side by side", async () => {
    const now = Array.from({ length: 20 }, (_, i) => `now ${i}`);
    const { open } = await start({ store: storeWith(["later", ...now]) });
    const stalled = await open();
    await stalled.send(kvRequest("get", "later").subarray(0, 3));
    const active = await open();
    for (let i = 0; i < 20; i++)
      expect(hex(await get(active, `now ${i}`))).toBe(hex(hit(valueFor(`now ${i}`))));
    await stalled.send(kvRequest("get", "later").subarray(3));
    expect(hex(await readFrame(stalled))).toBe(hex(hit(valueFor("later"))));
  });
});

describe("pipelining", () => {
  // Shows: 100,000 requests in one write are all answered, in order (the parse is a loop).
  test("answers a pipeline of 100,000 small requests in one write, completely and in order", async () => {
    const requests = Array.from({ length: 100_000 }, (_, n) => `r${n}`);
    const { open } = await start({ store: storeWith(requests.map((r) => [r, `v${r}`])) });
    const client = await open();
    const stream = gets(requests);
    await client.send(stream);
    // Each reply is a frame of a STR (tag 2, the length, the bytes) holding the value of its key:
    // 4 + 1 + 4 bytes more than the value.
    const size = requests.reduce((sum, r) => sum + 9 + `v${r}`.length, 0);
    const replies = await client.read(size, 20_000);
    const decoded: string[] = [];
    for (let offset = 0; offset < replies.length; ) {
      const length = replies.readUInt32LE(offset);
      const tag = replies[offset + 4];
      const end = offset + 9 + replies.readUInt32LE(offset + 5);
      decoded.push(`[${tag}] ${replies.toString("latin1", offset + 9, end)}`);
      offset += 4 + length;
    }
    // The first replies that are not their own key's value, if any: a list of 100,000
    // that differ would take vitest minutes to print as a diff.
    const wrong = decoded.flatMap((reply, n) => (reply === `[2] v${requests[n]}` ? [] : [n]));
    expect(decoded).toHaveLength(requests.length);
    expect(wrong.slice(0, 5).map((n) => `reply ${n}: ${decoded[n]}`)).toEqual([]);
  });

  // Shows: a request much bigger than one read (Node reads 64 KiB at a time) is put together
  // and stored whole: a get of its key returns the same 8 MiB.
  test("answers an 8 MiB request that arrives over a hundred reads and more", async () => {
    const { open } = await start();
    const client = await open();
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    client
      .send(Buffer.concat([kvRequest("set", "big", big), kvRequest("get", "big")]))
      .catch(() => {});
    expect(hex(await readFrame(client, 20_000))).toBe(hex(typed.nil()));
    const reply = await readFrame(client, 20_000);
    expect(reply.equals(hit(big))).toBe(true);
  });
});

describe("half-close", () => {
  // Shows: FIN right behind a long pipeline still gets every reply, even
  // when the client reads them late and the server had to stop reading.
  test("a client that pipelines, half-closes and reads late gets every reply, then EOF", async () => {
    const capture = captureLog();
    const values = Array.from({ length: 2_000 }, (_, n) => `${n}:${"y".repeat(4000)}`);
    const store = storeWith(values.map((v, n) => [`k${n}`, v]));
    const { open } = await start({ log: capture.log, maxQueued: 64 * 1024, store });
    const client = await open();
    client.socket.pause(); // read nothing for now
    const stream = hits(values);
    client.send(gets(values.map((_, n) => `k${n}`))).catch(() => {});
    client.end(); // FIN, queued behind the requests
    await capture.waitFor(/stopped reading/); // the server is holding back, not dropping
    await sleep(200);
    client.socket.resume();
    const replies = await client.read(stream.length, 20_000);
    expect(replies.equals(stream)).toBe(true);
    expect(await client.ended()).toBe("eof");
  });

  // Shows: when FIN arrives while replies still wait in the server's queue
  // (the client has not read any yet), the server sends them all before it
  // closes, rather than dropping the queue.
  test("a client that half-closes before reading anything gets every reply, then EOF", async () => {
    const capture = captureLog();
    const values = Array.from({ length: 3_000 }, (_, n) => `${n}:${"w".repeat(4000)}`);
    const store = storeWith(values.map((v, n) => [`k${n}`, v]));
    const { open } = await start({ log: capture.log, maxQueued: 64 * 1024 * 1024, store });
    const client = await open();
    client.socket.pause();
    const stream = hits(values);
    client.send(gets(values.map((_, n) => `k${n}`))).catch(() => {});
    client.end();
    // FIN is read only after every request before it: all are answered by now.
    await capture.waitFor(/client sent EOF/);
    client.socket.resume();
    const replies = await client.read(stream.length, 20_000);
    expect(replies.equals(stream)).toBe(true);
    expect(await client.ended()).toBe("eof");
  });
});

/**
 * How many of `peer`'s commands the server's log says it read: 1 for each
 * "client says:" line, n for each "client says n commands in one read".
 */
function commandsRead(log: string, peer: string): number {
  let total = 0;
  for (const line of log.split("\n")) {
    if (!line.includes(`[${peer}] client says`)) continue;
    total += Number(/client says (\d+) commands in one read/.exec(line)?.[1] ?? 1);
  }
  return total;
}

describe("backpressure", () => {
  // Shows: a client that sends without reading stops being read once its
  // replies pass the cap; its queue stays under the cap plus one read's
  // replies, the server stops answering it, and others are served as usual.
  test("a client that never reads is paused, with bounded queued replies", async () => {
    const capture = captureLog();
    const cap = 64 * 1024;
    // Gets of 4 KB keys, each holding a 4 KB value: requests and replies as
    // big as phase 3's echoes, so that the client's own requests back up too.
    const requests = Array.from({ length: 8_000 }, (_, n) => `${n}:${"k".repeat(4000)}`);
    const values = requests.map((_, n) => `${n}:${"z".repeat(4000)}`);
    const oks = Array.from({ length: 10 }, (_, i) => `ok ${i}`);
    const store = storeWith([...requests.map((r, n) => [r, values[n] ?? ""] as const), ...oks]);
    const { open } = await start({ log: capture.log, maxQueued: cap, store });
    const greedy = await open();
    greedy.socket.pause();
    greedy.send(gets(requests)).catch(() => {});
    await capture.waitFor(/stopped reading: \d+ bytes of replies queued, the cap is 64 KiB/);
    const queued = Number(/stopped reading: (\d+) bytes/.exec(capture.text())?.[1]);
    // One read is at most 64 KiB; with the unfinished request left by the
    // read before (one request, ~4 KB here), that bounds the requests it
    // holds, and each reply here is smaller than its request, so the
    // replies it can add on top of the cap too.
    const oneRequest = gets(requests.slice(-1)).length;
    expect(hits(values.slice(-1)).length).toBeLessThan(oneRequest);
    expect(queued).toBeGreaterThanOrEqual(cap);
    expect(queued).toBeLessThanOrEqual(cap + 64 * 1024 + oneRequest);

    // While it stays paused, the server answers nothing more for it...
    const answered = () => commandsRead(capture.text(), `127.0.0.1:${greedy.socket.localPort}`);
    const before = answered();
    const other = await open();
    for (let i = 0; i < 10; i++)
      expect(hex(await get(other, `ok ${i}`))).toBe(hex(hit(valueFor(`ok ${i}`))));
    await sleep(200);
    expect(answered()).toBe(before);
    expect(before).toBeLessThan(requests.length);
    // ...its own unsent requests back up on its side...
    expect(greedy.socket.writableLength).toBeGreaterThan(0);

    // ...and once it reads, everything flows again, in order.
    greedy.socket.resume();
    for (let n = 0; n < 100; n++)
      expect(hex(await readFrame(greedy))).toBe(hex(hit(values[n] ?? "")));
    await capture.waitFor(/reading again/);
  });

  // Shows: a reset while replies are queued crashes nothing and frees the connection.
  test("a client that resets with replies queued is forgotten: the count returns to 0", async () => {
    const capture = captureLog();
    const values = Array.from({ length: 4_000 }, (_, n) => `${n}:${"q".repeat(4000)}`);
    const store = storeWith([...values.map((v, n) => [`k${n}`, v] as const), "still here"]);
    const { server, open } = await start({ log: capture.log, maxQueued: 64 * 1024, store });
    const client = await open();
    client.socket.pause();
    client.send(gets(values.map((_, n) => `k${n}`))).catch(() => {});
    await capture.waitFor(/stopped reading/);
    expect(server.connections()).toBe(1);
    client.reset();
    await until(() => server.connections() === 0, "the connection to be freed");
    await capture.waitFor(/closed/);
    expect(hex(await get(await open(), "still here"))).toBe(hex(hit(valueFor("still here"))));
  });
});

describe("closing politely (a lingering close)", () => {
  // Shows: a client whose last request was refused (an oversized header), and which keeps
  // sending after it, still gets every reply owed before it, then EOF: the server reads and
  // drops the rest instead of closing with unread input (which would send RST and could
  // throw away replies still in its kernel's send buffer).
  test("sends every reply owed, then FIN, even with more bytes arriving after the refusal", async () => {
    const values = Array.from({ length: 40 }, (_, n) => `${n}:${"r".repeat(16 * 1024)}`);
    const store = storeWith(values.map((v, n) => [`k${n}`, v]));
    const { open } = await start({ maxMessage: 64 * 1024, store });
    const client = await open();
    client.socket.pause(); // not reading yet: the replies back up in the buffers on the way
    const requests = gets(values.map((_, n) => `k${n}`));
    const junk = Buffer.alloc(512 * 1024, 0x6a);
    client.send(Buffer.concat([requests, header(64 * 1024 + 1), junk])).catch(() => {});
    await sleep(300);
    client.socket.resume();
    for (const value of values) expect(hex(await readFrame(client))).toBe(hex(hit(value)));
    expect(await client.ended()).toBe("eof");
    expect(client.buffered()).toBe(0);
  });

  // Shows: a client that keeps sending after the server's FIN does not keep its connection
  // for ever: the server stops lingering after a bounded time.
  test("gives up on a client that never stops sending", async () => {
    const { server, open } = await start({ maxMessage: 1024 });
    const client = await open();
    await client.send(header(2048));
    let sending = true;
    const flood = (async () => {
      // On and on, past the server's FIN (EOF), until the server lets go.
      while (sending && !client.socket.destroyed) {
        await client.send(Buffer.alloc(1024)).catch(() => {});
        await sleep(5);
      }
    })();
    await until(() => server.connections() === 0, "the lingering connection to be released", 6_000);
    sending = false;
    await flood;
  });
});

describe("fair under a flood", () => {
  /**
   * The key every flood asks for, and its value: a request of 32 bytes and a reply of 32, like
   * phase 3's echoes. (A value big enough that one read's replies pass the 1 MiB cap would make
   * backpressure, not the turn-taking under test, keep the floods apart.)
   */
  const flooded: [string, string] = ["the flood key", "v".repeat(24)];

  /** A client that pipelines nonstop: big pre-built writes, replies read and only counted. */
  async function flooder(open: () => Promise<RawClient>) {
    const client = await open();
    const burst = gets(Array.from({ length: 8_192 }, () => flooded[0])); // 256 KiB
    let sending = true;
    let received = 0;
    client.socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    const pump = () => {
      while (sending && client.socket.write(burst));
      if (sending) client.socket.once("drain", pump);
    };
    pump();
    return {
      peer: `127.0.0.1:${client.socket.localPort}`,
      received: () => received,
      stop: () => {
        sending = false;
      },
    };
  }

  /** A logger that really formats and writes its lines (to nowhere), noting whose reads it logs. */
  function countingLog(): { log: Logger; reads: string[] } {
    const reads: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        const line = chunk.toString();
        const says = line.indexOf("] client says");
        if (says !== -1) reads.push(line.slice(line.indexOf("[") + 1, says));
        done();
      },
    });
    return { log: createLogger({ out: sink, err: sink }), reads };
  }

  const pings = Array.from({ length: 20 }, (_, i) => `ping ${i}`);

  // Shows: with two clients flooding and logging on, a polite client sending one request at
  // a time is answered every time while both floods go on, and the two floods take turns:
  // each gets one read's worth of work per loop turn, never a long run of reads in a row
  // (libuv alone would read up to 32 x 64 KiB from one socket before moving on).
  test("a polite client is answered while two greedy ones flood, with logging on", async () => {
    const { log, reads } = countingLog();
    const { open } = await start({ log, store: storeWith([flooded, ...pings]) });
    const [a, b] = [await flooder(open), await flooder(open)];
    await until(() => a.received() > 0 && b.received() > 0, "both floods under way");
    const polite = await open();
    for (let i = 0; i < 20; i++)
      expect(hex(await get(polite, `ping ${i}`))).toBe(hex(hit(valueFor(`ping ${i}`))));
    const during = [a.received(), b.received()];
    await until(
      () => a.received() > (during[0] ?? 0) && b.received() > (during[1] ?? 0),
      "both floods still served",
    );
    a.stop();
    b.stop();
    // The longest run of reads from one flooding client before the other one got a turn.
    const floods = reads.filter((peer) => peer === a.peer || peer === b.peer);
    let longest = 0;
    let run = 0;
    for (let i = 0; i < floods.length; i++) {
      run = i > 0 && floods[i] === floods[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    expect(floods.length).toBeGreaterThan(20);
    expect(longest).toBeLessThanOrEqual(4);
  });

  // Shows: the same with logging off: every polite request answered while the flood goes on.
  test("a polite client is answered while a greedy one floods, with logging off", async () => {
    const { open } = await start({ store: storeWith([flooded, ...pings]) });
    const greedy = await flooder(open);
    await until(() => greedy.received() > 0, "the flood under way");
    const polite = await open();
    for (let i = 0; i < 20; i++)
      expect(hex(await get(polite, `ping ${i}`))).toBe(hex(hit(valueFor(`ping ${i}`))));
    const during = greedy.received();
    await until(() => greedy.received() > during, "the flood still served");
    greedy.stop();
  });
});

describe("limits", () => {
  // Shows: over --max-connections a new connection is closed at once and
  // logged; the connected clients are unaffected; a freed slot is reusable.
  test("closes connections over the limit, and only those", async () => {
    const capture = captureLog();
    const store = storeWith(["in", "still in", "my turn"]);
    const { server, open } = await start({ log: capture.log, maxConnections: 3, store });
    const first = await Promise.all([open(), open(), open()]);
    for (const client of first) expect(hex(await get(client, "in"))).toBe(hex(hit(valueFor("in"))));

    const extra = await open();
    // Closed politely (FIN, not RST): the client sees an ordinary end of the connection.
    expect(await extra.ended()).toBe("eof");
    await capture.waitFor(/refused: already serving 3 clients, the limit \(--max-connections 3\)/);
    for (const client of first)
      expect(hex(await get(client, "still in"))).toBe(hex(hit(valueFor("still in"))));

    first[0]?.end();
    await until(() => server.connections() === 2, "a slot to free up");
    expect(hex(await get(await open(), "my turn"))).toBe(hex(hit(valueFor("my turn"))));
  });

  // Shows: a header's length is a claim, not a bill: 20 clients each announcing a 32 MiB
  // request and sending a few bytes of it cost the server a few bytes each, not 640 MiB.
  test("holds memory for the bytes that arrived, not for the ones announced", async () => {
    const { server, open } = await start();
    const before = process.memoryUsage().arrayBuffers;
    const clients = await Promise.all(Array.from({ length: 20 }, () => open()));
    for (const client of clients) {
      await client.send(Buffer.concat([header(32 * 1024 * 1024), Buffer.alloc(100, 1)]));
    }
    await sleep(50);
    // A second piece each: now the server must copy the first one somewhere.
    for (const client of clients) await client.send(Buffer.alloc(100, 2));
    await until(() => server.connections() === 20, "20 connections");
    await sleep(100);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });

  // Shows: an oversized length closes that connection from its header, after
  // the replies to the whole requests before it; other clients carry on.
  test("answers the requests before an oversized length, then closes", async () => {
    const store = storeWith(["first", "second", "unaffected"]);
    const { server, open } = await start({ maxMessage: 1000, store });
    const other = await open();
    const client = await open();
    await client.send(Buffer.concat([gets(["first", "second"]), header(1001)]));
    expect(hex(await readFrame(client))).toBe(hex(hit(valueFor("first"))));
    expect(hex(await readFrame(client))).toBe(hex(hit(valueFor("second"))));
    expect(await client.ended()).toBe("eof");
    expect(hex(await get(other, "unaffected"))).toBe(hex(hit(valueFor("unaffected"))));
    await until(() => server.connections() === 1, "the refused connection to be freed");
  });

  // Shows: a reset in the middle of a frame frees that connection and nothing else.
  test("frees a connection reset in the middle of a frame", async () => {
    const { server, open } = await start({ store: storeWith(["fine"]) });
    const other = await open();
    const client = await open();
    await client.send(Buffer.concat([header(100), Buffer.from("only part of it")]));
    await sleep(50);
    client.reset();
    await until(() => server.connections() === 1, "the reset connection to be freed");
    expect(hex(await get(other, "fine"))).toBe(hex(hit(valueFor("fine"))));
  });
});
