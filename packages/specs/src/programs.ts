// Program specs: what every phase's entry points do for the person typing
// the commands, run as real processes. Flags, --help, mistakes, where the
// server listens, what it logs, Ctrl-C and SIGTERM: none of it is a
// chapter's lesson, so it is written once, here, and every phase runs it.
import { existsSync, readFileSync } from "node:fs";
import {
  openClient,
  type RawClient,
  type RunningProgram,
  runProgram,
  spawnProgram,
  startServerProcess,
  startTestServer,
  unusedPort,
  withTimeout,
} from "@rah/core/testing";
import { afterEach, describe, expect, test } from "vitest";

export interface ProgramTarget {
  /** The package: "phase1-echo". */
  name: string;
  /** Absolute paths of the phase's src/bin/server.ts, client.ts and demo.ts. */
  server: string;
  client: string;
  demo: string;
  /** A request: the words given to the client, and exactly what it prints for the reply. */
  request: { args: string[]; output: string };
  /** A line the server logs for that request by default, and not under --quiet. */
  requestLog: RegExp;
}

/** Generous: a clean stop takes milliseconds, but CI machines are busy. */
const STOP_MS = 5_000;

/** One line of text and nothing else: what a user mistake must print on stderr. */
function oneLine(stderr: string): string {
  expect(stderr).toMatch(/^error: [^\n]+\n$/);
  expect(stderr).not.toMatch(/\bat .*:\d+:\d+/); // no stack trace
  return stderr.slice("error: ".length).trim();
}

/** The local addresses of every socket listening on `port` ("0100007F" is 127.0.0.1), from Linux's /proc. */
function listeningAddresses(port: number): string[] | null {
  if (!existsSync("/proc/net/tcp")) return null;
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

export function programSpecs(target: ProgramTarget): void {
  describe(`${target.name}: the programs`, () => {
    const running: RunningProgram[] = [];
    const clients: RawClient[] = [];
    const servers: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      for (const client of clients.splice(0)) client.destroy();
      for (const program of running.splice(0)) program.kill("SIGKILL");
      for (const server of servers.splice(0)) await server.close();
    });
    const startServer = async (args: string[] = [], env?: Record<string, string | undefined>) => {
      const server = await startServerProcess(target.server, args, env ? { env } : {});
      running.push(server);
      return server;
    };
    const open = async (port: number) => {
      const client = await openClient(port);
      clients.push(client);
      return client;
    };
    /** The client, as a process, sending the target's request to `port`. */
    const request = (port: number) =>
      runProgram(target.client, ["--port", String(port), ...target.request.args]);

    describe("server", () => {
      // Shows: --help prints the usage on stdout, exits 0 and starts nothing.
      test("prints its usage for --help", async () => {
        const run = await runProgram(target.server, ["--help"]);
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout).toMatch(
          new RegExp(`^usage: pnpm --filter ${target.name} start \\[flags\\]\\n`),
        );
        for (const flag of ["--host", "--port", "--quiet", "--trace", "--help"]) {
          expect(run.stdout).toContain(flag);
        }
        expect(run.stdout).toContain("0 = any free one");
        expect(run.stdout).not.toContain("listening");
      });

      // Shows: an unknown flag, a stray word and a bad port are one sentence each, exit 2, nothing started.
      test("refuses an unknown flag, a stray word and a bad port in one line", async () => {
        const [flag, word, port] = await Promise.all([
          runProgram(target.server, ["--prot", "5555"]),
          runProgram(target.server, ["5555"]),
          runProgram(target.server, ["--port", "70000"]),
        ]);
        for (const run of [flag, word, port]) {
          expect(run.code).toBe(2);
          expect(run.stdout).toBe("");
        }
        expect(oneLine(flag.stderr)).toBe("unknown flag --prot: run with --help to see the flags");
        expect(oneLine(word.stderr)).toMatch(
          /^unexpected argument "5555" \(did you mean --port 5555\?\)/,
        );
        expect(oneLine(port.stderr)).toBe(
          '--port must be a whole number from 0 to 65535, got "70000"',
        );
      });

      // Shows: a port someone else holds is one sentence naming it, exit 1, no stack trace.
      test("reports a port in use in one line", async () => {
        const holder = await startTestServer();
        servers.push(holder);
        const run = await runProgram(target.server, ["--port", String(holder.port)]);
        expect(run.code).toBe(1);
        expect(oneLine(run.stderr)).toContain(`port ${holder.port} on 127.0.0.1 is already in use`);
        expect(run.stdout).not.toContain("listening");
      });

      // Shows: with no --host it binds 127.0.0.1 only (the kernel's table agrees); RAH_HOST changes it.
      test("listens on 127.0.0.1 by default, and where RAH_HOST says", async () => {
        const plain = await startServer([], { RAH_HOST: undefined });
        expect(plain.stdout()).toMatch(/listening on 127\.0\.0\.1:\d+/);
        expect(plain.stderr()).toBe(""); // no warning: that is for addresses others can reach
        expect(listeningAddresses(plain.port) ?? ["0100007F"]).toEqual(["0100007F"]);
        const other = await startServer([], { RAH_HOST: "127.0.0.2" });
        expect(other.stdout()).toMatch(/listening on 127\.0\.0\.2:\d+/);
        expect(listeningAddresses(other.port) ?? ["0200007F"]).toEqual(["0200007F"]);
      });

      // Shows: `pnpm start -- --port 0`: the "--" npm users type is accepted.
      test("accepts a leading --", async () => {
        const program = spawnProgram(target.server, ["--", "--port", "0"]);
        running.push(program);
        await program.waitFor(/listening on 127\.0\.0\.1:\d+/);
      });

      // Shows: each request is logged by default; --quiet keeps only the events; --trace adds hex dumps.
      test("logs requests by default, events only under --quiet, hex under --trace", async () => {
        const [normal, quiet, traced] = await Promise.all([
          startServer(),
          startServer(["--quiet"]),
          startServer(["--trace"]),
        ]);
        for (const server of [normal, quiet, traced]) {
          const run = await request(server.port);
          expect(run).toMatchObject({ code: 0, stdout: target.request.output, stderr: "" });
          await server.waitFor(/\] closed/);
        }
        expect(normal.stdout()).toMatch(target.requestLog);
        expect(normal.stdout()).not.toMatch(/^0{8} /m);
        expect(quiet.stdout()).toMatch(/\] accepted/);
        expect(quiet.stdout()).not.toMatch(target.requestLog);
        // Under --quiet every line is an event: listening, accepted, closed.
        for (const line of quiet.stdout().trim().split("\n")) {
          expect(line).toMatch(/listening on|\] accepted$|\] closed$/);
        }
        expect(traced.stdout()).toMatch(/^0{8} {2}[0-9a-f]{2} /m);
      });

      // Shows: SIGTERM with a client connected, and SIGINT, stop the server cleanly: exit 0, port released.
      test.each(["SIGTERM", "SIGINT"] as const)(
        "exits 0 on %s with a client connected, and frees the port",
        async (signal) => {
          const server = await startServer();
          const client = await open(server.port);
          await server.waitFor(/\] accepted/);
          server.kill(signal);
          const done = await withTimeout(
            server.finished,
            STOP_MS,
            `the server exiting after ${signal}`,
          );
          expect(done).toMatchObject({ code: 0, signal: null, stderr: "" });
          expect(done.stdout).toMatch(/shutting down[\s\S]*server stopped\n$/);
          expect(["eof", "reset"]).toContain(await client.ended(STOP_MS));
          await expect(openClient(server.port)).rejects.toThrow(/ECONNREFUSED/);
        },
      );
    });

    describe("client", () => {
      // Shows: --help names the server's port, without offering port 0 (a client cannot connect there).
      test("prints its usage for --help", async () => {
        const run = await runProgram(target.client, ["--help"]);
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout).toMatch(
          new RegExp(`^usage: pnpm --filter ${target.name} client \\[flags\\]`),
        );
        expect(run.stdout).toContain("--port");
        expect(run.stdout).not.toContain("0 = any free one");
      });

      // Shows: a flag it does not know and --port 0 are one sentence each, exit 2.
      test("refuses an unknown flag and --port 0 in one line", async () => {
        const [flag, zero] = await Promise.all([
          runProgram(target.client, ["--bogus"]),
          runProgram(target.client, ["--port", "0", ...target.request.args]),
        ]);
        expect([flag.code, zero.code]).toEqual([2, 2]);
        expect(oneLine(flag.stderr)).toBe("unknown flag --bogus: run with --help to see the flags");
        expect(oneLine(zero.stderr)).toBe('--port must be a whole number from 1 to 65535, got "0"');
      });

      // Shows: with no server, one sentence saying what to do, exit 1.
      test("says so in one line when no server listens", async () => {
        const port = await unusedPort();
        const run = await runProgram(target.client, [
          "--port",
          String(port),
          ...target.request.args,
        ]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("");
        expect(oneLine(run.stderr)).toBe(
          `no server is listening on 127.0.0.1:${port}: start one first (pnpm --filter <phase> start), or check --host and --port`,
        );
      });

      // Shows: Ctrl-C (and SIGTERM) end a client at once, even one waiting for a server that never answers.
      test.each(["SIGINT", "SIGTERM"] as const)(
        "ends at once on %s while it waits for a busy server",
        async (signal) => {
          let connected = () => {};
          const accepted = new Promise<void>((resolve) => {
            connected = resolve;
          });
          const busy = await startTestServer(() => connected()); // accepts, never answers
          servers.push(busy);
          const client = spawnProgram(target.client, [
            "--port",
            String(busy.port),
            ...target.request.args,
          ]);
          running.push(client);
          await withTimeout(accepted, 10_000, "the client connecting");
          await new Promise((resolve) => setTimeout(resolve, 300)); // it has sent, and waits
          client.kill(signal);
          const done = await withTimeout(client.finished, 2_000, `the client ending on ${signal}`);
          // Killed by the signal, as any program without a handler is (or exit 128 + its number).
          const code = signal === "SIGINT" ? 130 : 143;
          expect(done.signal === signal || done.code === code).toBe(true);
          expect(done.stderr).toBe("");
        },
      );
    });

    describe("demo", () => {
      // Shows: the demo answers --help without running, and refuses flags and words it does not take.
      test("prints its usage for --help and refuses a stray word", async () => {
        const [help, word, flag] = await Promise.all([
          runProgram(target.demo, ["--help"]),
          runProgram(target.demo, ["now"]),
          runProgram(target.demo, ["--port", "5"]),
        ]);
        expect(help).toMatchObject({ code: 0, stderr: "" });
        expect(help.stdout).toMatch(new RegExp(`^usage: pnpm --filter ${target.name} demo\\n`));
        expect(help.stdout).not.toContain("listening");
        expect([word.code, flag.code]).toEqual([2, 2]);
        oneLine(word.stderr);
        oneLine(flag.stderr);
      });

      // Shows: the demo runs from start to end and exits 0, its server stopped.
      test("runs to the end", { timeout: 120_000 }, async () => {
        const run = await runProgram(target.demo, [], { ms: 110_000 });
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout).toMatch(/server stopped\n$/);
      });
    });
  });
}
