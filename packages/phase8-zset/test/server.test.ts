// What the server logs, in process, with a logger that writes into a string:
// the lines a student watches while trying things by hand.
import { fileURLToPath } from "node:url";
import { captureLog, openClient, type RawClient, runProgram } from "@rah/core/testing";
import { frame, header, kvPayload, kvRequest, readFrame, roundTrip, typed } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { MIN_MESSAGE, type Server, startServer } from "../src/server.ts";
import { hex } from "./helpers/kv.ts";

const serverEntry = fileURLToPath(new URL("../src/bin/server.ts", import.meta.url));

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

/** A keys reply holding `keys` (in this order): an ARR of STRs, from the spec helpers. */
const keysReply = (keys: readonly string[]) => typed.arr(...keys.map((key) => typed.str(key)));

/** The strings of a keys reply, in the server's order, checked to be exactly an ARR of STRs. */
function stringsOf(reply: Buffer): string[] {
  const strings: string[] = [];
  // Tag and count (5 bytes), then each STR: tag, length (5 bytes), bytes.
  for (let at = 5; at < reply.length; at += 5 + reply.readUInt32LE(at + 1)) {
    strings.push(reply.toString("latin1", at + 5, at + 5 + reply.readUInt32LE(at + 1)));
  }
  expect(hex(reply)).toBe(hex(keysReply(strings)));
  return strings;
}

describe("server log", () => {
  // Shows: each command is logged as typed, plain words as they are, text with spaces quoted
  // and binary as hex; then the reply size.
  test('logs "client says" for each command, text as text and binary as hex', async () => {
    const { open, waitFor } = await start();
    const client = await open();
    await roundTrip(client, kvPayload("set", "k", "v"));
    await roundTrip(client, kvPayload("set", Buffer.from([0x00, 0xff]), "hello world"));
    await waitFor(/client says: set k v\n/);
    await waitFor(/client says: set <00 ff> "hello world"\n/);
    await waitFor(/wrote 5 bytes of replies/);
  });

  // Shows: a pipeline that arrives in one read is one log line and one write.
  test("logs commands that arrived together in one line, and answers them with one write", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    await client.send(
      Buffer.concat([
        kvRequest("set", "one", "1"),
        kvRequest("get", "one"),
        kvRequest("del", "one"),
      ]),
    );
    for (const reply of [typed.nil(), typed.str("1"), typed.int(1n)])
      expect(hex(await readFrame(client))).toBe(hex(reply));
    await waitFor(/wrote 28 bytes of replies/);
    expect(text()).toMatch(/client says 3 commands in one read: set one 1, get one, del one\n/);
    expect(text().match(/wrote/g)).toHaveLength(1);
  });

  // Shows: a burst of thousands of commands in one read is still one line: the first three, and a count.
  test("sums up a big burst in one line", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    const requests = Array.from({ length: 5_000 }, (_, n) => kvRequest("get", `r${n}`));
    const stream = Buffer.concat(requests);
    await client.send(stream);
    // Every key is missing: each reply is the 5 bytes of a frame of NIL.
    await client.read(requests.length * frame(typed.nil()).length);
    await waitFor(/wrote/);
    const lines = text().match(/client says[^\n]*/g) ?? [];
    // Node hands the 5,000 requests over in a few reads (64 KiB at most each): a line per read.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(Math.ceil(stream.length / 1024) + 1);
    expect(lines[0]).toMatch(
      /^client says \d+ commands in one read: get r0, get r1, get r2, and \d+ more$/,
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
    expect(hex(await roundTrip(await open(), kvPayload("get", "next")))).toBe(hex(typed.nil()));
  });

  // Shows: a payload that is not a command is logged with what is wrong and the numbers, after
  // the commands before it in the same read; the connection closes and the server goes on.
  test("logs a bad request with what is wrong, and closes the connection", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    // nstr 1, then a string that says it is 100 bytes long, and 1 byte of it.
    const bad = frame(Buffer.from([1, 0, 0, 0, 100, 0, 0, 0, 0x61]));
    await client.send(Buffer.concat([kvRequest("get", "k"), bad]));
    expect(hex(await readFrame(client))).toBe(hex(typed.nil()));
    expect(await client.ended()).toBe("eof");
    await waitFor(/; closing the connection\n/);
    // After the command before it, with what is wrong and the numbers, as a warning.
    expect(text()).toMatch(
      /client says: get k\n.* warning: bad request: string 1 of 1 claims 100 bytes but only 1 remain;/,
    );
    expect(text()).not.toMatch(/request refused/);
    expect(hex(await roundTrip(await open(), kvPayload("get", "next")))).toBe(hex(typed.nil()));
  });

  // Shows: a reply over the message limit (`keys` of a store too big for it) is thrown away and
  // replaced by ERR 2 "response is too big.", logged as a warning with both sizes, and the
  // connection goes on; a reply of exactly the limit is still sent whole.
  test("replaces a keys reply over the limit with ERR 2, logs a warning, and goes on", async () => {
    const limit = 1024;
    const { open, waitFor, text } = await start({ maxMessage: limit });
    const client = await open();
    // 80 keys of 6 bytes, and one long one that brings the keys reply to exactly the limit.
    const keys = Array.from({ length: 80 }, (_, n) => `key ${String(n).padStart(2, "0")}`);
    keys.push("z".repeat(limit - keysReply(keys).length - typed.str("").length));
    expect(keysReply(keys).length).toBe(limit);
    await client.send(Buffer.concat(keys.map((key) => kvRequest("set", key, "v"))));
    for (const _ of keys) expect(hex(await readFrame(client))).toBe(hex(typed.nil()));
    const atLimit = await roundTrip(client, kvPayload("keys"));
    expect(stringsOf(atLimit).sort()).toEqual([...keys].sort());

    // One key more: the reply would be 1024 + 9 bytes (the STR "over"), so ERR 2 is sent.
    await roundTrip(client, kvPayload("set", "over", "v"));
    const overLimit = await roundTrip(client, kvPayload("keys"));
    expect(hex(overLimit)).toBe(hex(typed.err(2, "response is too big.")));
    await waitFor(
      /warning: a reply of 1033 bytes is over the limit of 1 KiB: sent ERR 2 instead\n/,
    );
    // The same connection goes on, and nothing else was a warning.
    expect(hex(await roundTrip(client, kvPayload("get", "over")))).toBe(hex(typed.str("v")));
    expect(client.state()).toBe("open");
    expect(text().match(/warning/g)).toHaveLength(1);
  });

  // Shows: EOF between frames is a quiet, normal end; EOF inside one is logged with what was lost.
  test("tells a clean EOF from one in the middle of a request", async () => {
    const { open, waitFor, text } = await start();
    const clean = await open();
    await roundTrip(clean, kvPayload("get", "bye"));
    clean.end();
    await clean.ended();
    await waitFor(/client sent EOF/);
    expect(text()).not.toMatch(/in the middle of a request/);

    const cut = await open();
    await cut.send(kvRequest("set", "k", "v").subarray(0, 7));
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
    expect(hex(await roundTrip(await open(), kvPayload("get", "next")))).toBe(hex(typed.nil()));
  });

  // Shows: --trace dumps every read and write in hex, so the framing, and the command inside
  // it, are visible: `set k v` as the book spells it out, and its reply, NIL.
  test("with trace, hex-dumps what was read and what was written", async () => {
    const { open, waitFor, text } = await start({ trace: true });
    const client = await open();
    await client.send(kvRequest("set", "k", "v"));
    await readFrame(client);
    await waitFor(/wrote \(5 bytes\)/);
    // The frame's length (21), nstr 3, then each string's length and bytes.
    expect(text()).toContain(
      [
        "read (25 bytes)",
        "00000000  15 00 00 00 03 00 00 00  03 00 00 00 73 65 74 01  |............set.|",
        "00000010  00 00 00 6b 01 00 00 00  76                       |...k....v|",
      ].join("\n"),
    );
    expect(text()).toContain(
      "wrote (5 bytes)\n00000000  01 00 00 00 00                                    |.....|",
    );
  });

  // Shows: close() hangs up on every connected client and resolves; each client sees EOF, and
  // "server stopped" is the last line, after every connection's "closed".
  test("close() hangs up on every connected client and stops, last", async () => {
    const { open, server, text } = await start();
    const a = await open();
    const b = await open();
    await roundTrip(a, kvPayload("get", "hi"));
    await b.send(header(10)); // b is in the middle of a request
    await server.close();
    expect(await a.ended()).toBe("eof");
    expect(await b.ended()).toBe("eof");
    expect(server.connections()).toBe(0);
    const lines = text().trim().split("\n");
    expect(lines.at(-1)).toMatch(/ server stopped$/);
    expect(lines.filter((line) => line.endsWith("] closed"))).toHaveLength(2);
  });

  // Shows: a limit too small for the ERR 2 reply itself is refused up front, not a crash later.
  test("refuses a message limit too small to say that a reply is too big", async () => {
    await expect(
      startServer({
        host: "127.0.0.1",
        port: 0,
        log: captureLog().log,
        maxMessage: MIN_MESSAGE - 1,
      }),
    ).rejects.toThrow(RangeError);
    const run = await runProgram(serverEntry, ["--max-message", "10"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: --max-message must be a size from 29 to /);
  });
});
