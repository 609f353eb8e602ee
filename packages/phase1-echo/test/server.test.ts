// What the server logs, in process, with a logger that writes into a string:
// the lines a student watches while trying things by hand. And how close()
// ends the connections it holds.
import { captureLog, openClient, type RawClient } from "@rah/core/testing";
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

/** The log without its time stamps, one entry per line. */
const lines = (text: string) =>
  text
    .replace(/^\d\d:\d\d:\d\d\.\d{3} /gm, "")
    .trim()
    .split("\n");

describe("server log", () => {
  // Shows: listening, accepted (with the client's address), each read and write with its size, EOF, closed.
  test("logs each step of a connection", async () => {
    const { open, server, text, waitFor } = await start();
    const client = await open();
    const peer = `127.0.0.1:${client.socket.localPort}`;
    await client.send("hello");
    client.end();
    expect((await client.readToEnd()).toString()).toBe("hello");
    await waitFor(/\] closed/);
    expect(lines(text())).toEqual([
      `listening on 127.0.0.1:${server.port}`,
      `[${peer}] accepted`,
      `[${peer}] read 5 bytes`,
      `[${peer}] wrote 5 bytes`,
      `[${peer}] client sent EOF`,
      `[${peer}] closed`,
    ]);
  });

  // Shows: --trace puts the hex dump inside the read and write entries: one entry per read, not two.
  test("with trace, one entry per read and per write, each with its hex dump", async () => {
    const { open, text, waitFor } = await start({ trace: true });
    const client = await open();
    await client.send("hello trace");
    client.end();
    expect((await client.readToEnd()).toString()).toBe("hello trace");
    await waitFor(/\] closed/);
    expect(text()).toMatch(/\] read 11 bytes\n00000000 .*\|hello trace\|\n/);
    expect(text()).toMatch(/\] wrote 11 bytes\n00000000 .*\|hello trace\|\n/);
    expect(text().match(/\] read /g)).toHaveLength(1);
  });

  // Shows: a reset is logged as a warning naming the client, and the next client is served.
  test("logs a lost connection as a warning and keeps serving", async () => {
    const { open, waitFor } = await start();
    const client = await open();
    const peer = `127.0.0.1:${client.socket.localPort}`;
    await client.send("x");
    await client.read(1);
    client.reset();
    await waitFor(new RegExp(`\\[${peer}\\] warning: connection lost: .*ECONNRESET`));
    const next = await open();
    await next.send("next");
    next.end();
    expect((await next.readToEnd()).toString()).toBe("next");
  });
});

describe("close()", () => {
  // Shows: close() ends the client being served and the one waiting, says why, and stops last.
  test("ends the current and the waiting client, then stops", async () => {
    const { open, server, text } = await start();
    const current = await open();
    const peer = `127.0.0.1:${current.socket.localPort}`;
    await current.send("a");
    await current.read(1);
    const waiting = await open();
    cleanup.length = 0;
    await server.close();
    expect(["eof", "reset"]).toContain(await current.ended(5_000));
    expect(["eof", "reset"]).toContain(await waiting.ended(5_000));
    // The server's own close() ended the conversation, not the client: the log says so.
    expect(lines(text()).slice(-3)).toEqual([
      `[${peer}] closing: the server is shutting down`,
      `[${peer}] closed`,
      "server stopped",
    ]);
    expect(text()).not.toMatch(/client sent EOF/);
    // The port is released: nobody is listening any more.
    await expect(openClient(server.port)).rejects.toThrow(/ECONNREFUSED/);
    current.destroy();
    waiting.destroy();
  });
});
