// What the server logs, in process, with a logger that writes into a string:
// the lines a student watches while trying things by hand.
import { captureLog, openClient, type RawClient } from "@rah/core/testing";
import { frame, header, readFrame, roundTrip } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { type Server, startServer } from "../src/server.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(options: { trace?: boolean } = {}) {
  const capture = captureLog(options);
  const server: Server = await startServer({ host: "127.0.0.1", port: 0, log: capture.log });
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
    await waitFor(/wrote 9 bytes \(4-byte header \+ 5\)/);
  });

  // Shows: an oversized length is logged with the length and the limit, and the server goes on.
  test("logs a refused length with the length and the limit", async () => {
    const { open, waitFor, text } = await start();
    const client = await open();
    await client.send(header(5000));
    expect(await client.readToEnd()).toHaveLength(0);
    await waitFor(/request refused: length 5000 exceeds the 4096-byte limit/);
    expect(text()).not.toMatch(/client says/);
    expect((await roundTrip(await open(), "next")).toString()).toBe("next");
  });

  // Shows: EOF between frames is a quiet, normal end; EOF inside one is logged as unexpected.
  test("tells a clean EOF from an unexpected one", async () => {
    const { open, waitFor, text } = await start();
    const clean = await open();
    await roundTrip(clean, "bye");
    clean.end();
    await clean.ended();
    await waitFor(/client sent EOF/);
    expect(text()).not.toMatch(/unexpected EOF/);

    const cut = await open();
    await cut.send(Buffer.concat([header(10), Buffer.from("abc")]));
    cut.end();
    await cut.ended();
    await waitFor(/unexpected EOF after 3 of 10 payload bytes/);
  });

  // Shows: a reset mid-frame is logged, and the next client is served. Node
  // usually reports the reset as ECONNRESET, but libuv can report it as a
  // plain EOF (a hang-up right after a short read), so both are accepted.
  test("logs a reset and keeps serving", async () => {
    const { open, waitFor } = await start({ trace: true });
    const client = await open();
    await client.send(header(10));
    await waitFor(/read header/);
    client.reset();
    await waitFor(/connection lost: .*ECONNRESET|unexpected EOF after 0 of 10 payload bytes/);
    expect((await roundTrip(await open(), "next")).toString()).toBe("next");
  });

  // Shows: --trace dumps the header and the payload in hex, so the framing is visible.
  test("with trace, hex-dumps the header and the payload", async () => {
    const { open, waitFor } = await start({ trace: true });
    const client = await open();
    await client.send(frame("hello"));
    await readFrame(client);
    await waitFor(/read header \(4 bytes\)\n00000000 {2}05 00 00 00 /);
    await waitFor(/read payload \(5 bytes\)\n00000000 {2}68 65 6c 6c 6f .*\|hello\|/);
    await waitFor(/wrote header \+ payload \(9 bytes\)\n00000000 {2}05 00 00 00 68 65 6c 6c {2}6f/);
  });

  // Shows: close() ends the client being served and resolves; the client sees EOF.
  test("close() hangs up on a connected client and stops", async () => {
    const { open, server, waitFor } = await start();
    const client = await open();
    await roundTrip(client, "hi");
    await server.close();
    expect(await client.ended()).toBe("eof");
    await waitFor(/server stopped/);
  });
});
