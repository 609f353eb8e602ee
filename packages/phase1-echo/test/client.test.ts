// Phase 1's client: the entry point run as a process (words, piped stdin,
// no server, a server that resets), and the lesson functions in process.
import { createInterface } from "node:readline";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { ConnectionRefusedError, silentLogger } from "@rah/core";
import { runProgram, startTestServer, unusedPort, withTimeout } from "@rah/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exchange, interactive } from "../src/client.ts";
import { type Server, startServer } from "../src/server.ts";

const clientEntry = fileURLToPath(new URL("../src/bin/client.ts", import.meta.url));

/** Runs the client with `input` piped to stdin; stdout is kept as raw bytes. */
async function runWithBinaryStdin(
  args: string[],
  input: Uint8Array,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const run = await runProgram(clientEntry, args, { input });
  return { code: run.code, stdout: run.stdoutBytes, stderr: run.stderr };
}

let server: Server;
beforeAll(async () => {
  server = await startServer({ host: "127.0.0.1", port: 0, log: silentLogger });
});
afterAll(async () => {
  await server.close();
});

describe("the client entry point", () => {
  // `client hello world` sends the words joined by a space and prints the echo, exit 0.
  it("sends its arguments and prints the echo", async () => {
    const result = await runProgram(clientEntry, ["--port", String(server.port), "hello", "world"]);
    expect(result).toMatchObject({ code: 0, stdout: "hello world\n", stderr: "" });
  });

  // Piped stdin is sent as is, and the echo written to stdout byte for byte.
  it("echoes piped binary stdin exactly", async () => {
    const input = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 13) % 256)),
    ]);
    const result = await runWithBinaryStdin(["--port", String(server.port)], input);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(input.length);
    expect(result.stdout.equals(input)).toBe(true);
  });

  // No server on that port: one sentence saying so, exit 1, no stack trace.
  it("says so in one line when no server listens", async () => {
    const port = await unusedPort();
    const result = await runProgram(clientEntry, ["--port", String(port), "hello"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: no server is listening on 127\\.0\\.0\\.1:${port}: start one first[^\\n]*\\n$`,
      ),
    );
  });

  // A server that resets the connection mid-exchange: one sentence, exit 1, no stack trace.
  it("says so in one line when the server resets", async () => {
    const rude = await startTestServer((socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    const port = rude.port;
    try {
      const result = await runProgram(clientEntry, ["--port", String(port), "hello"]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`error: the server at 127.0.0.1:${port} reset the connection\n`);
    } finally {
      await rude.close();
    }
  });
});

describe("exchange()", () => {
  // One exchange returns exactly the bytes sent, binary and empty ones included.
  it("returns the echo of any bytes", async () => {
    const binary = Buffer.from([0, 255, 10, 13, 0x80, 0]);
    expect((await exchange("127.0.0.1", server.port, binary)).equals(binary)).toBe(true);
    expect((await exchange("127.0.0.1", server.port, Buffer.alloc(0))).length).toBe(0);
  });

  // No server: the friendly ConnectionRefusedError, not a raw ECONNREFUSED.
  it("rejects with ConnectionRefusedError when no server listens", async () => {
    const port = await unusedPort();
    await expect(exchange("127.0.0.1", port, Buffer.from("x"))).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
  });
});

describe("interactive()", () => {
  // Each line typed is its own exchange, and each echo is printed in order.
  it("sends each line on its own connection and prints the echo", async () => {
    const input = new PassThrough();
    const lines = createInterface({ input });
    const printed: string[] = [];
    // A server of its own whose log counts the connections it accepts.
    const accepted: string[] = [];
    const counting = await startServer({
      host: "127.0.0.1",
      port: 0,
      log: {
        ...silentLogger,
        info: (message, peer) => message === "accepted" && accepted.push(peer ?? ""),
      },
    });
    try {
      const done = interactive("127.0.0.1", counting.port, lines, (text) => printed.push(text));
      input.end("first line\nsecond, with spaces\n\u00e9t\u00e9\n");
      await withTimeout(done, 10_000, "interactive() reading three lines");
      expect(printed).toEqual([
        "server says: first line",
        "server says: second, with spaces",
        "server says: \u00e9t\u00e9",
      ]);
      // Three lines, three connections, each from a port of its own.
      expect(accepted).toHaveLength(3);
      expect(new Set(accepted).size).toBe(3);
    } finally {
      await counting.close();
    }
  });
});
