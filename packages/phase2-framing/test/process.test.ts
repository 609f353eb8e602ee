// The entry points as real processes, the way a user runs them: output,
// one-line errors and exit codes.
import { fileURLToPath } from "node:url";
import { captureLog, runProgram, startServerProcess, unusedPort } from "@rah/core/testing";
import { afterEach, describe, expect, test } from "vitest";
import { startServer } from "../src/server.ts";

const client = fileURLToPath(new URL("../src/bin/client.ts", import.meta.url));
const server = fileURLToPath(new URL("../src/bin/server.ts", import.meta.url));

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function inProcessServer() {
  const capture = captureLog();
  const running = await startServer({ host: "127.0.0.1", port: 0, log: capture.log });
  cleanup.push(() => running.close());
  return { ...capture, port: String(running.port) };
}

describe("client process", () => {
  // Shows: each argument is one request, answered in order on one connection.
  test("sends each argument as a request and prints each reply", async () => {
    const { port, text } = await inProcessServer();
    const run = await runProgram(client, ["--port", port, "hello", "framed", "world"]);
    expect(run).toMatchObject({ code: 0, stdout: "hello\nframed\nworld\n", stderr: "" });
    expect(text().match(/accepted/g)).toHaveLength(1);
  });

  // Shows: piped stdin is one request per line, an empty line included.
  test("sends piped stdin one line per request", async () => {
    const { port } = await inProcessServer();
    const run = await runProgram(client, ["--port", port], { input: "one\n\nthree\n" });
    expect(run).toMatchObject({ code: 0, stdout: "one\n\nthree\n", stderr: "" });
  });

  // Shows: a message over 4096 bytes is refused with one line naming both sizes; nothing is sent.
  test("refuses an oversized message before connecting", async () => {
    const { port, text } = await inProcessServer();
    const run = await runProgram(client, ["--port", port, "ok", "x".repeat(5000)]);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "error: length 5000 exceeds the 4096-byte limit: the message was not sent; split it or send a shorter one\n",
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
