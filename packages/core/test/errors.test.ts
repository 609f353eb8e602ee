import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  AddressUnavailableError,
  ConnectionLostError,
  ConnectionRefusedError,
  connectError,
  describeError,
  errorCode,
  listenError,
  PermissionDeniedError,
  PortInUseError,
  UsageError,
  UserError,
} from "../src/errors.ts";
import { runProgram, spawnProgram } from "../src/testing/process.ts";

/** An error shaped like the ones Node's net module emits. */
function systemError(code: string): Error {
  return Object.assign(new Error(`listen ${code}: something 127.0.0.1:80`), { code });
}

describe("listenError()", () => {
  // EADDRINUSE becomes a sentence with the host, the port, and what to do.
  it("maps EADDRINUSE to PortInUseError", () => {
    const cause = systemError("EADDRINUSE");
    const err = listenError(cause, "127.0.0.1", 1234);
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "port 1234 on 127.0.0.1 is already in use: stop the other server, or pick another port with --port (--port 0 picks a free one)",
    );
    expect((err as Error).cause).toBe(cause);
  });

  // A low port without root is a permission problem, and the sentence says ports below 1024 need root.
  it.each(["EACCES", "EPERM"])("maps %s to PermissionDeniedError", (code) => {
    const err = listenError(systemError(code), "127.0.0.1", 80);
    expect(err).toBeInstanceOf(PermissionDeniedError);
    expect((err as Error).message).toContain("127.0.0.1:80");
    expect((err as Error).message).toContain("below 1024");
  });

  // A host that is not this machine's address is named in the sentence.
  it.each(["EADDRNOTAVAIL", "ENOTFOUND", "EAI_AGAIN"])(
    "maps %s to AddressUnavailableError",
    (code) => {
      const err = listenError(systemError(code), "10.9.8.7", 1234);
      expect(err).toBeInstanceOf(AddressUnavailableError);
      expect((err as Error).message).toMatch(/^10\.9\.8\.7 is not an address of this machine/);
    },
  );

  // Anything else is not a user mistake: it comes back untouched, to be reported as a bug.
  it("returns other errors unchanged", () => {
    const other = systemError("EMFILE");
    expect(listenError(other, "127.0.0.1", 1234)).toBe(other);
    expect(listenError("a string", "127.0.0.1", 1234)).toBe("a string");
  });
});

describe("connectError()", () => {
  // ECONNREFUSED: no server there; the sentence names the address and says to start one.
  it("maps ECONNREFUSED to ConnectionRefusedError", () => {
    const err = connectError(systemError("ECONNREFUSED"), "127.0.0.1", 5555);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect((err as Error).message).toMatch(
      /^no server is listening on 127\.0\.0\.1:5555: start one/,
    );
  });

  // A reset or broken pipe mid-exchange is ConnectionLostError, naming the server.
  it.each(["ECONNRESET", "EPIPE"])("maps %s to ConnectionLostError", (code) => {
    const err = connectError(systemError(code), "127.0.0.1", 5555);
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect((err as Error).message).toBe("the server at 127.0.0.1:5555 reset the connection");
  });

  // A host that does not resolve is a user mistake pointing at --host.
  it.each(["ENOTFOUND", "EAI_AGAIN", "EADDRNOTAVAIL"])(
    "maps %s to a UserError about --host",
    (code) => {
      const err = connectError(systemError(code), "nowhere.invalid", 5555);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toBe("cannot resolve or reach nowhere.invalid: check --host");
    },
  );

  // Errors that are already friendly, and unknown ones, pass through unchanged.
  it("returns other errors unchanged", () => {
    const friendly = new UserError("already friendly");
    expect(connectError(friendly, "127.0.0.1", 1)).toBe(friendly);
    const other = systemError("ETIMEDOUT");
    expect(connectError(other, "127.0.0.1", 1)).toBe(other);
  });
});

describe("exit codes and helpers", () => {
  // User mistakes exit 1; usage mistakes exit 2, as shells expect.
  it("gives UserError exit code 1 and UsageError exit code 2", () => {
    expect(new UserError("x").exitCode).toBe(1);
    expect(new UsageError("x").exitCode).toBe(2);
    expect(new PortInUseError("127.0.0.1", 1, null).exitCode).toBe(1);
    expect(new ConnectionRefusedError("127.0.0.1", 1, null).exitCode).toBe(1);
    expect(new UsageError("x")).toBeInstanceOf(UserError);
  });

  // errorCode() reads a Node system error's code and nothing else.
  it("reads error codes", () => {
    expect(errorCode(systemError("ECONNRESET"))).toBe("ECONNRESET");
    expect(errorCode(new Error("no code"))).toBeUndefined();
    expect(errorCode({ code: "ECONNRESET" })).toBeUndefined();
    expect(errorCode(Object.assign(new Error("x"), { code: 42 }))).toBeUndefined();
  });

  // describeError() gives one log line, with the code once.
  it("describes errors in one line", () => {
    expect(describeError(Object.assign(new Error("read failed"), { code: "ECONNRESET" }))).toBe(
      "ECONNRESET: read failed",
    );
    expect(describeError(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(
      "read ECONNRESET",
    );
    expect(describeError("plain")).toBe("plain");
  });
});

describe("main()", () => {
  const entry = fileURLToPath(new URL("./fixtures/main-program.ts", import.meta.url));

  // Returning a number (or nothing) is the exit code; a user mistake is one line on stderr and its code.
  it("turns results and user errors into exit codes", async () => {
    const [ok, code, user, usage, flags] = await Promise.all([
      runProgram(entry, ["ok"]),
      runProgram(entry, ["code", "3"]),
      runProgram(entry, ["user-error"]),
      runProgram(entry, ["usage-error"]),
      runProgram(entry, ["flags", "--port", "abc"]),
    ]);
    expect([ok.code, ok.stderr]).toEqual([0, ""]);
    expect([code.code, code.stderr]).toEqual([3, ""]);
    expect([user.code, user.stderr]).toEqual([1, "error: the thing is wrong: fix it like this\n"]);
    expect([usage.code, usage.stderr]).toEqual([2, 'error: --size must be a size, got "x"\n']);
    expect([flags.code, flags.stderr]).toEqual([
      2,
      'error: --port must be a whole number from 0 to 65535, got "abc"\n',
    ]);
  });

  // --help prints the usage on stdout and exits 0; an unexpected error is a bug: stack trace, exit 70.
  it("prints help with exit 0 and a bug with exit 70", async () => {
    const [help, bug] = await Promise.all([
      runProgram(entry, ["flags", "--help"]),
      runProgram(entry, ["bug"]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: main-program flags \[flags\]\n/);
    expect(help.stderr).toBe("");
    expect(bug.code).toBe(70);
    expect(bug.stderr).toContain("this is a bug");
    expect(bug.stderr).toContain("TypeError: cannot read properties of undefined");
    expect(bug.stderr).toMatch(/\n\s+at /);
  });

  // SIGTERM and SIGINT abort `stop`; the program finishes its own way and exits 0.
  it.each(["SIGTERM", "SIGINT"] as const)("lets the program stop cleanly on %s", async (signal) => {
    const program = spawnProgram(entry, ["wait"]);
    try {
      await program.waitFor(/waiting/);
      program.kill(signal);
      const done = await program.finished;
      expect(done.code).toBe(0);
      expect(done.stdout).toContain(`stopped by ${signal}`);
    } finally {
      program.kill("SIGKILL");
    }
  });

  // A second Ctrl-C does not wait for a program that is slow to stop: exit 130 at once.
  it("exits 130 on a second SIGINT", async () => {
    const program = spawnProgram(entry, ["stuck"]);
    try {
      await program.waitFor(/waiting/);
      program.kill("SIGINT");
      await program.waitFor(/ignoring the signal/);
      program.kill("SIGINT");
      expect((await program.finished).code).toBe(130);
    } finally {
      program.kill("SIGKILL");
    }
  });
});
