// The server entry point run as a real process, the way a student runs it:
// user mistakes are one line and an exit code, signals stop it cleanly.
import { fileURLToPath } from "node:url";
import {
  openClient,
  type RawClient,
  type RunningProgram,
  runProgram,
  spawnProgram,
  startServerProcess,
  startTestServer,
  withTimeout,
} from "@rah/core/testing";
import { afterEach, describe, expect, it } from "vitest";

const serverEntry = fileURLToPath(new URL("../src/bin/server.ts", import.meta.url));

/** Generous: a clean stop takes milliseconds, but CI machines are busy. */
const STOP_MS = 5_000;

const running: RunningProgram[] = [];
const clients: RawClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
  for (const program of running.splice(0)) program.kill("SIGKILL");
});

async function startServer(args: string[] = []) {
  const server = await startServerProcess(serverEntry, args);
  running.push(server);
  return server;
}

async function open(port: number): Promise<RawClient> {
  const client = await openClient(port);
  clients.push(client);
  return client;
}

/** One line of text and nothing else: what a user mistake must print on stderr. */
function expectOneLine(stderr: string): string {
  expect(stderr).toMatch(/^error: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\bat .*:\d+:\d+/); // no stack trace
  return stderr.trim();
}

describe("user mistakes", () => {
  // A port someone else holds: one sentence naming it, exit 1, and no stack trace.
  it("reports a port in use in one line", async () => {
    const holder = await startTestServer();
    const port = holder.port;
    try {
      const result = await runProgram(serverEntry, ["--port", String(port)]);
      expect(result.code).toBe(1);
      const line = expectOneLine(result.stderr);
      expect(line).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(result.stdout).not.toContain("listening");
    } finally {
      await holder.close();
    }
  });

  // A port out of range is a usage error: one line, exit 2, nothing started.
  it("rejects a bad --port with exit 2", async () => {
    const result = await runProgram(serverEntry, ["--port", "70000"]);
    expect(result.code).toBe(2);
    expect(expectOneLine(result.stderr)).toBe(
      'error: --port must be a whole number from 0 to 65535, got "70000"',
    );
    expect(result.stdout).toBe("");
  });

  // An unknown flag is a usage error too, pointing at --help.
  it("rejects an unknown flag with exit 2", async () => {
    const result = await runProgram(serverEntry, ["--prot", "5555"]);
    expect(result.code).toBe(2);
    expect(expectOneLine(result.stderr)).toBe(
      "error: unknown flag --prot: run with --help to see the flags",
    );
  });

  // --help prints the usage text on stdout and exits 0 without starting a server.
  it("prints usage for --help and exits 0", async () => {
    const result = await runProgram(serverEntry, ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^usage: pnpm --filter phase1-echo start \[flags\]\n/);
    for (const flag of ["--host", "--port", "--quiet", "--trace", "--help"]) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).not.toContain("listening");
  });
});

describe("flags", () => {
  // `pnpm start -- --port 0`: the leading "--" npm users type is accepted.
  it("accepts a leading --", async () => {
    const program = spawnProgram(serverEntry, ["--", "--port", "0"]);
    running.push(program);
    await program.waitFor(/listening on 127\.0\.0\.1:\d+/);
  });

  // --trace adds a hex dump of what was read and written.
  it("hex-dumps reads and writes with --trace", async () => {
    const server = await startServer(["--trace"]);
    const client = await open(server.port);
    await client.send("hello trace");
    client.end();
    expect((await client.readToEnd()).toString()).toBe("hello trace");
    await server.waitFor(/wrote \(11 bytes\)\n00000000 .*\|hello trace\|/);
  });

  // --quiet keeps the events (accepted, closed) but drops the per-read lines.
  it("drops the per-request lines with --quiet", async () => {
    const server = await startServer(["--quiet"]);
    const client = await open(server.port);
    await client.send("hush");
    client.end();
    expect((await client.readToEnd()).toString()).toBe("hush");
    await server.waitFor(/\] closed/);
    expect(server.stdout()).toContain("] accepted");
    expect(server.stdout()).not.toMatch(/read 4 bytes|wrote 4 bytes/);
  });
});

describe("signals", () => {
  // SIGTERM while a client is connected: the server closes that client and exits 0, promptly.
  it("exits 0 on SIGTERM with a client connected", async () => {
    const server = await startServer();
    const client = await open(server.port);
    await client.send("mid-conversation");
    await client.read("mid-conversation".length); // the server is serving this client now
    server.kill("SIGTERM");
    const done = await withTimeout(server.finished, STOP_MS, "the server exiting after SIGTERM");
    expect(done.code).toBe(0);
    expect(done.signal).toBeNull();
    expect(done.stderr).toBe("");
    expect(done.stdout).toContain("shutting down");
    expect(done.stdout).toContain("server stopped");
    // The client's connection was closed, not left hanging.
    expect(["eof", "reset"]).toContain(await client.ended(STOP_MS));
  });

  // Ctrl-C (SIGINT) does the same for an idle server.
  it("exits 0 on SIGINT", async () => {
    const server = await startServer();
    server.kill("SIGINT");
    const done = await withTimeout(server.finished, STOP_MS, "the server exiting after SIGINT");
    expect(done.code).toBe(0);
    expect(done.stdout).toContain("server stopped");
  });
});
