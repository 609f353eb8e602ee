import { runProgram, spawnProgram, startTestServer, type TestServer } from "@rah/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FloorServer, startFloorServer } from "../src/floor-server.ts";

const entry = new URL("../src/bin/load.ts", import.meta.url).pathname;

describe("pnpm load", () => {
  let floor: FloorServer;
  beforeAll(async () => {
    floor = await startFloorServer("127.0.0.1", 0);
  });
  afterAll(() => floor.close());

  // A clean run prints the summary and exits 0.
  it("runs a counted load and prints the summary", async () => {
    const run = await runProgram(entry, [
      "--port",
      String(floor.port),
      "--clients",
      "4",
      "--requests",
      "500",
      "--pipeline",
      "8",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("2,000 sent, 2,000 good replies, 0 errors");
    expect(run.stdout).toMatch(/latency {4}p50 .*p99 .*p99\.9 .*max/);
    expect(run.stdout).toContain("load generator CPU");
  });

  // An open-loop run reports latency from the schedule and how late it sent.
  it("runs at a fixed rate", async () => {
    const run = await runProgram(entry, [
      "--port",
      String(floor.port),
      "--clients",
      "2",
      "--rate",
      "500",
      "--seconds",
      "0.5",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("(open loop)");
    expect(run.stdout).toContain("from the time each request was due");
    expect(run.stdout).toContain("send lag");
  });

  // Ctrl-C stops sending and still prints what was done; unsent requests are not errors.
  it("prints the summary at Ctrl-C", async () => {
    // An echo server that says when the load has started (its first request).
    let started: () => void = () => {};
    const loading = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await startTestServer((socket) =>
      socket.on("data", (chunk: Buffer) => {
        socket.write(chunk);
        started();
      }),
    );
    try {
      const program = spawnProgram(entry, ["--port", String(server.port), "--seconds", "60"]);
      await loading;
      program.kill("SIGINT");
      const done = await program.finished;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain("stopped by Ctrl-C");
      expect(done.stdout).toMatch(/good replies, 0 errors/);
    } finally {
      await server.close();
    }
  });

  // A server that closes connections before any reply (a connection limit) is named as the likely cause.
  it("explains connections closed before any reply", async () => {
    let accepted = 0;
    const server: TestServer = await startTestServer((socket) => {
      // The first connection is the reachability check; then one client is served, one refused.
      if (accepted++ === 2) socket.destroy();
      else socket.on("data", (chunk: Buffer) => socket.write(chunk));
    });
    try {
      const run = await runProgram(entry, [
        "--port",
        String(server.port),
        "--clients",
        "2",
        "--requests",
        "5",
      ]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("1 connection was closed by the server before any reply");
      expect(run.stdout).toContain("connection limit");
    } finally {
      await server.close();
    }
  });

  // Nobody listening: one sentence, exit 1.
  it("says when no server is listening", async () => {
    const server = await startTestServer();
    await server.close();
    const run = await runProgram(entry, ["--port", String(server.port)]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("no server is listening");
  });

  // Flag mistakes are one sentence and exit code 2.
  it("refuses contradictory flags", async () => {
    const run = await runProgram(entry, ["--requests", "5", "--seconds", "1"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("not both");
  });
});
