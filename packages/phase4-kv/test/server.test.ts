// What the server logs, in process, with a logger that writes into a string:
// the lines a student watches while trying things by hand.
import { captureLog, openClient, type RawClient } from "@rah/core/testing";
import { frame, frames, header, readFrame, roundTrip } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { type Server, startServer } from "../src/server.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: { trace?: boolean; maxMessage?: number } = {}) {
  const capture = captureLog(options);
  const server: Server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: capture.log,
    ...(options.maxMessage === undefined ? {} : { maxMessage: options.maxMessage }),
  });
  cleanup.push(() => server.close());
  const open = async (): Promise<RawClient> => {
    const client = await openClient(server.port);
    cleanup.push(() => client.destroy());
    return client;
  };
  return { ...capture, server, open };
}

describe("server log", () => {
  // Shows: each request is logged with a preview of its payload and its size, then the reply size.
  test('logs "client says" for each request, text as text and binary as hex', async () => {
    const { open, waitFor } = await start();
    const client = await open();
    await roundTrip(client, "hello");
    await roundTrip(client, Buffer.from([0x00, 0xff]));
    await waitFor(/client says: "hello" \(5 bytes\)/);
    await waitFor(/client says: <00 ff> \(2 bytes\)/);
    await waitFor(/wrote 9 bytes of replies/);
  });

  // Shows: a pipeline that arrives in one read is one log line and one write.
  test("logs requests that arrived together in one line, and answers them with one write", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    await client.send(frames(["one", "two", "three"]));
    for (const word of ["one", "two", "three"])
      expect((await readFrame(client)).toString()).toBe(word);
    await waitFor(/wrote 23 bytes of replies/);
    expect(text()).toMatch(
      /client says 3 requests in one read: "one" \(3 bytes\), "two" \(3 bytes\), "three" \(5 bytes\)\n/,
    );
    expect(text().match(/wrote/g)).toHaveLength(1);
  });

  // Shows: a burst of thousands of requests in one read is still one line: the first three, and a count.
  test("sums up a big burst in one line", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    const requests = Array.from({ length: 5_000 }, (_, n) => `r${n}`);
    const stream = frames(requests);
    await client.send(stream);
    await client.read(stream.length);
    await waitFor(/wrote/);
    const lines = text().match(/client says[^\n]*/g) ?? [];
    // Node hands the 5,000 requests over in a few reads (64 KiB at most each): a line per read.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(stream.length / 1024) + 1);
    expect(lines[0]).toMatch(
      /^client says \d+ requests in one read: "r0" \(2 bytes\), "r1" \(2 bytes\), "r2" \(2 bytes\), and \d+ more$/,
    );
  });

  // Shows: a connection refused over --max-connections is logged with the numbers, in good English.
  test("logs a refused connection with the limit", async () => {
    const capture = captureLog();
    const server = await startServer({
      host: "127.0.0.1",
      port: 0,
      log: capture.log,
      maxConnections: 1,
    });
    cleanup.push(() => server.close());
    const first = await openClient(server.port);
    const second = await openClient(server.port);
    cleanup.push(() => first.destroy());
    cleanup.push(() => second.destroy());
    await capture.waitFor(/refused: already serving 1 client, the limit \(--max-connections 1\)/);
  });

  // Shows: an oversized length is logged with the length and the limit, and the server goes on.
  test("logs a refused length with the length and the limit", async () => {
    const { open, waitFor, text } = await start({ maxMessage: 4096 });
    const client = await open();
    await client.send(header(5000));
    expect(await client.readToEnd()).toHaveLength(0);
    await waitFor(/request refused: length 5000 exceeds the 4096-byte limit/);
    expect(text()).not.toMatch(/client says/);
    expect((await roundTrip(await open(), "next")).toString()).toBe("next");
  });

  // Shows: EOF between frames is a quiet, normal end; EOF inside one is logged with what was lost.
  test("tells a clean EOF from one in the middle of a request", async () => {
    const { open, waitFor, text } = await start();
    const clean = await open();
    await roundTrip(clean, "bye");
    clean.end();
    await clean.ended();
    await waitFor(/client sent EOF/);
    expect(text()).not.toMatch(/in the middle of a request/);

    const cut = await open();
    await cut.send(Buffer.concat([header(10), Buffer.from("abc")]));
    cut.end();
    await cut.ended();
    await waitFor(/client closed its side in the middle of a request \(7 bytes of it dropped\)/);
  });

  // Shows: a reset mid-frame is logged, and the next client is served. Node
  // usually reports the reset as ECONNRESET, but libuv can report it as a
  // plain EOF (a hang-up right after a short read), so both are accepted.
  test("logs a reset and keeps serving", async () => {
    const { open, waitFor } = await start({ trace: true });
    const client = await open();
    await client.send(header(10));
    await waitFor(/read \(4 bytes\)/);
    client.reset();
    await waitFor(
      /connection lost: .*ECONNRESET|in the middle of a request \(4 bytes of it dropped\)/,
    );
    expect((await roundTrip(await open(), "next")).toString()).toBe("next");
  });

  // Shows: --trace dumps every read and write in hex, so the framing is visible.
  test("with trace, hex-dumps what was read and what was written", async () => {
    const { open, waitFor } = await start({ trace: true });
    const client = await open();
    await client.send(frame("hello"));
    await readFrame(client);
    await waitFor(
      /read \(9 bytes\)\n00000000 {2}05 00 00 00 68 65 6c 6c {2}6f .*\|\.\.\.\.hello\|/,
    );
    await waitFor(/wrote \(9 bytes\)\n00000000 {2}05 00 00 00 68 65 6c 6c {2}6f/);
  });

  // Shows: close() hangs up on every connected client and resolves; each client sees EOF, and
  // "server stopped" is the last line, after every connection's "closed".
  test("close() hangs up on every connected client and stops, last", async () => {
    const { open, server, text } = await start();
    const a = await open();
    const b = await open();
    await roundTrip(a, "hi");
    await b.send(header(10)); // b is in the middle of a request
    await server.close();
    expect(await a.ended()).toBe("eof");
    expect(await b.ended()).toBe("eof");
    expect(server.connections()).toBe(0);
    const lines = text().trim().split("\n");
    expect(lines.at(-1)).toMatch(/ server stopped$/);
    expect(lines.filter((line) => line.endsWith("] closed"))).toHaveLength(2);
  });
});
