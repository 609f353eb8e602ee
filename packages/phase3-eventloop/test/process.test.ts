// The entry points as real processes, the way a user runs them: output,
// one-line errors and exit codes.
import { fileURLToPath } from "node:url";
import {
  captureLog,
  openClient,
  runProgram,
  startServerProcess,
  unusedPort,
  withTimeout,
} from "@rah/core/testing";
import { frame, header, roundTrip } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { MAX_MESSAGE } from "../src/protocol.ts";
import { MAX_CONNECTIONS, startServer } from "../src/server.ts";

const client = fileURLToPath(new URL("../src/bin/client.ts", import.meta.url));
const server = fileURLToPath(new URL("../src/bin/server.ts", import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function inProcessServer() {
  const capture = captureLog();
  const running = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: capture.log,
    maxMessage: MAX_MESSAGE,
    maxConnections: MAX_CONNECTIONS,
  });
  cleanup.push(() => running.close());
  return { ...capture, port: String(running.port) };
}

describe("client process", () => {
  // Shows: each argument is one request, all sent at once on one connection, replies in order.
  test("sends each argument as a request and prints each reply", async () => {
    const { port, text } = await inProcessServer();
    const run = await runProgram(client, ["--port", port, "hello", "framed", "world"]);
    expect(run).toMatchObject({ code: 0, stdout: "hello\nframed\nworld\n", stderr: "" });
    expect(text().match(/accepted/g)).toHaveLength(1);
    // Pipelined: the three requests arrived together and went back in one write.
    expect(text().match(/wrote \d+ bytes of replies/g)).toHaveLength(1);
  });

  // Shows: --no-pipeline sends one request per round trip, like phase 2.
  test("with --no-pipeline, waits for each reply before the next request", async () => {
    const { port, text } = await inProcessServer();
    const run = await runProgram(client, ["--port", port, "--no-pipeline", "a", "b", "c"]);
    expect(run).toMatchObject({ code: 0, stdout: "a\nb\nc\n", stderr: "" });
    expect(text().match(/wrote 5 bytes of replies/g)).toHaveLength(3);
  });

  // Shows: load mode checks every reply and prints a summary: counts, rate, latency.
  test("load mode prints a summary of good replies, rate and latency", async () => {
    const { port, text } = await inProcessServer();
    const args = ["--port", port, "--clients", "3", "--requests", "50", "--pipeline", "4"];
    const run = await runProgram(client, [...args, "--size", "100"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^load: 3 clients x 50 requests, 4 in flight each, 100-byte payloads\n/,
    );
    expect(run.stdout).toMatch(/requests {2}150, 150 good replies, 0 errors/);
    expect(run.stdout).toMatch(/rate {6}[\d,]+ requests\/s/);
    expect(run.stdout).toMatch(/latency {3}p50 \d+\.\d{3} ms, p99 \d+\.\d{3} ms/);
    // No progress line: stdout is a pipe here, not a terminal.
    expect(run.stdout).not.toMatch(/\r/);
    expect(text().match(/accepted/g)).toHaveLength(3);
  });

  // Shows: piped stdin is one request per line, an empty line included.
  test("sends piped stdin one line per request", async () => {
    const { port } = await inProcessServer();
    const run = await runProgram(client, ["--port", port], { input: "one\n\nthree\n" });
    expect(run).toMatchObject({ code: 0, stdout: "one\n\nthree\n", stderr: "" });
  });

  // Shows: a message over 32 MiB is refused with one line naming both sizes; nothing is sent.
  test("refuses an oversized message before connecting", async () => {
    const { port, text } = await inProcessServer();
    const input = `ok\n${"x".repeat(MAX_MESSAGE + 1)}\n`;
    const run = await runProgram(client, ["--port", port], { input });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error: length 33554433 exceeds the 33554432-byte limit: the message was not sent; split it or send a shorter one\n",
    );
    expect(text()).not.toMatch(/accepted/);
  });

  // Shows: with no server, one clear line and a non-zero exit, no stack trace.
  test("reports a stopped server in one line", async () => {
    const port = await unusedPort();
    const run = await runProgram(client, ["--port", String(port), "hello"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: no server is listening on 127.0.0.1:${port}: start one first (pnpm --filter <phase> start), or check --host and --port\n`,
    );
  });
});

describe("server process", () => {
  // Shows: SIGTERM with clients connected (idle, mid-request, owed replies) exits 0 within seconds.
  test("exits 0 promptly on SIGTERM with clients connected", async () => {
    const running = await startServerProcess(server, ["--quiet"]);
    cleanup.push(() => running.kill("SIGKILL"));
    const idle = await openClient(running.port);
    const partial = await openClient(running.port);
    const unread = await openClient(running.port);
    cleanup.push(() => {
      for (const c of [idle, partial, unread]) c.destroy();
    });
    expect((await roundTrip(idle, "hi")).toString()).toBe("hi");
    await partial.send(header(100));
    unread.socket.pause(); // replies it never reads
    unread
      .send(Buffer.concat(Array.from({ length: 2_000 }, () => frame("u".repeat(4000)))))
      .catch(() => {});
    await running.waitFor(/accepted[\s\S]*accepted[\s\S]*accepted/);
    running.kill("SIGTERM");
    const done = await withTimeout(running.finished, 4_000, "the server to exit after SIGTERM");
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/shutting down[\s\S]*server stopped/);
    expect(await idle.ended()).toBe("eof");
    expect(await partial.ended()).not.toBe("open");
  });

  // Shows: a bad --max-message is one line naming the flag and what it takes, exit code 2.
  test("refuses a bad --max-message in one line", async () => {
    const run = await runProgram(server, ["--max-message", "lots"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'error: --max-message must be a size from 0 to 4294967295 bytes (like 4096, 64k or 32MiB), got "lots"\n',
    );
  });

  // Shows: --max-message sets the limit the server enforces, from the header alone.
  test("enforces --max-message", async () => {
    const running = await startServerProcess(server, ["--max-message", "1k"]);
    cleanup.push(() => running.kill("SIGKILL"));
    const ok = await openClient(running.port);
    const over = await openClient(running.port);
    cleanup.push(() => {
      for (const c of [ok, over]) c.destroy();
    });
    expect((await roundTrip(ok, "x".repeat(1024))).length).toBe(1024);
    await over.send(header(1025));
    expect(await over.readToEnd()).toHaveLength(0);
    await running.waitFor(/request refused: length 1025 exceeds the 1024-byte limit/);
  });

  // Shows: the server answers framed requests, and SIGTERM stops it cleanly with exit code 0.
  test("serves, then exits 0 on SIGTERM", async () => {
    const running = await startServerProcess(server);
    cleanup.push(() => running.kill("SIGKILL"));
    const run = await runProgram(client, ["--port", String(running.port), "ping"]);
    expect(run.stdout).toBe("ping\n");
    await running.waitFor(/client says: "ping" \(4 bytes\)/);
    running.kill("SIGTERM");
    const done = await running.finished;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/shutting down[\s\S]*server stopped/);
  });
});
