// Phase 1's own server behaviour, beyond the shared echo specs: where it
// listens, what it logs, and how close() ends the connections it holds.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isLoopback, type Logger } from "@rah/core";
import { openClient, type RawClient, startServerProcess } from "@rah/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type Server, startServer } from "../src/server.ts";

const serverEntry = fileURLToPath(new URL("../src/bin/server.ts", import.meta.url));

/** The local addresses of every socket listening on `port` ("0100007F" is 127.0.0.1), from Linux's /proc. */
function listeningAddresses(port: number): string[] {
  const found: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, hexPort] = local?.split(":") ?? [];
      if (state === "0A" && address && hexPort && Number.parseInt(hexPort, 16) === port) {
        found.push(address);
      }
    }
  }
  return found;
}

/** A Logger that keeps every line, with the peer it was about. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (kind: string) => (message: string, peer?: string) => {
    lines.push(`${kind} ${peer === undefined ? "" : `[${peer}] `}${message}`);
  };
  return {
    lines,
    detailed: true,
    tracing: true,
    info: add("info"),
    detail: add("detail"),
    trace: (label, bytes, peer) =>
      add("trace")(`${label} ${Buffer.from(bytes).toString("hex")}`, peer),
    data: (verb, bytes, peer) => add("detail")(`${verb} ${bytes.length} bytes`, peer),
    warn: add("warn"),
    error: add("error"),
  };
}

const servers: Server[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const server of servers.splice(0)) await server.close();
});

async function start(log: Logger): Promise<Server> {
  const server = await startServer({ host: "127.0.0.1", port: 0, log });
  servers.push(server);
  return server;
}

async function open(port: number): Promise<RawClient> {
  const client = await openClient(port);
  clients.push(client);
  return client;
}

describe("where the server listens", () => {
  // With no --host and no RAH_HOST, the entry point binds 127.0.0.1 only, and says so.
  it("listens on 127.0.0.1 by default", async () => {
    const server = await startServerProcess(serverEntry, [], { env: { RAH_HOST: undefined } });
    try {
      const [, host] = /listening on (\S+):\d+/.exec(server.stdout()) ?? [];
      expect(host).toBe("127.0.0.1");
      expect(isLoopback(host ?? "")).toBe(true);
      // No warning about other machines: that one is only for non-loopback addresses.
      expect(server.stderr()).toBe("");
      // The kernel's own table agrees: the one listening socket is bound to 127.0.0.1.
      if (existsSync("/proc/net/tcp")) {
        expect(listeningAddresses(server.port)).toEqual(["0100007F"]);
      }
      // And it answers there.
      const client = await open(server.port);
      await client.send("hi");
      client.end();
      expect((await client.readToEnd()).toString()).toBe("hi");
    } finally {
      server.kill("SIGKILL");
    }
  });

  // RAH_HOST tells it otherwise (another loopback address here, so nothing leaves this machine).
  it("listens where RAH_HOST says", async () => {
    const server = await startServerProcess(serverEntry, [], { env: { RAH_HOST: "127.0.0.2" } });
    try {
      expect(server.stdout()).toMatch(/listening on 127\.0\.0\.2:\d+/);
      if (existsSync("/proc/net/tcp")) {
        expect(listeningAddresses(server.port)).toEqual(["0200007F"]);
      }
    } finally {
      server.kill("SIGKILL");
    }
  });
});

describe("what the server logs", () => {
  // Listening, accepted (with the client's address), each read and write with its size, EOF, closed.
  it("logs each step of a connection", async () => {
    const log = recordingLogger();
    const server = await start(log);
    const client = await open(server.port);
    const peer = `127.0.0.1:${client.socket.localPort}`;
    await client.send("hello");
    client.end();
    expect((await client.readToEnd()).toString()).toBe("hello");
    // The server logs "closed" after closing, so give it a moment to get there.
    await expect.poll(() => log.lines.at(-1), { timeout: 5_000 }).toBe(`info [${peer}] closed`);
    expect(log.lines).toEqual([
      `info listening on 127.0.0.1:${server.port}`,
      `info [${peer}] accepted`,
      `detail [${peer}] read 5 bytes`,
      `trace [${peer}] read 68656c6c6f`,
      `detail [${peer}] wrote 5 bytes`,
      `trace [${peer}] wrote 68656c6c6f`,
      `detail [${peer}] client sent EOF`,
      `info [${peer}] closed`,
    ]);
  });

  // A reset is logged as a warning naming the client, and the server goes on.
  it("logs a lost connection as a warning", async () => {
    const log = recordingLogger();
    const server = await start(log);
    const client = await open(server.port);
    const peer = `127.0.0.1:${client.socket.localPort}`;
    await client.send("x");
    await client.read(1);
    client.reset();
    await expect
      .poll(() => log.lines.filter((line) => line.startsWith("warn")), { timeout: 5_000 })
      .toEqual([
        expect.stringMatching(new RegExp(`^warn \\[${peer}\\] connection lost: .*ECONNRESET`)),
      ]);
  });
});

describe("close()", () => {
  // close() stops accepting, ends the client being served and the one waiting, and resolves.
  it("ends the current and the waiting client", async () => {
    const log = recordingLogger();
    const server = await start(log);
    const current = await open(server.port);
    await current.send("a");
    await current.read(1);
    const waiting = await open(server.port);
    await server.close();
    servers.length = 0;
    expect(["eof", "reset"]).toContain(await current.ended(5_000));
    expect(["eof", "reset"]).toContain(await waiting.ended(5_000));
    expect(log.lines.at(-1)).toBe("info server stopped");
    // The port is released: nobody is listening any more.
    await expect(openClient(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
