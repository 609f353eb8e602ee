import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { HelpRequested, UsageError } from "../src/errors.ts";
import {
  boolFlag,
  DEFAULT_HOST,
  DEFAULT_PORT,
  intFlag,
  isLoopback,
  logFlags,
  type Program,
  parseFlags,
  sizeFlag,
  usageText,
} from "../src/flags.ts";

const program: Program = {
  usage: "pnpm --filter demo start [flags]",
  summary: "A program for the tests.",
  role: "server",
  args: "[word...]",
  flags: {
    ...logFlags,
    "max-size": { type: "string", value: "<bytes>", description: "largest message" },
  },
  examples: ["pnpm --filter demo start --port 5555"],
};

/** The UsageError parseFlags throws for argv (fails the test if it does not throw one). */
function usageError(argv: string[], run: () => unknown = () => parseFlags(argv, program)): string {
  try {
    run();
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as UsageError).message;
    // Every usage error is one line: main() prints it as one sentence.
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(argv)}`);
}

beforeEach(() => {
  // The tests decide the environment; a RAH_PORT in the caller's shell must not leak in.
  vi.stubEnv("RAH_HOST", undefined);
  vi.stubEnv("RAH_PORT", undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("parseFlags", () => {
  // With no flags and no environment, a program uses the book's address.
  it("defaults to 127.0.0.1:1234", () => {
    const parsed = parseFlags([], program);
    expect(parsed).toMatchObject({ host: "127.0.0.1", port: 1234, positionals: [] });
    expect([DEFAULT_HOST, DEFAULT_PORT]).toEqual(["127.0.0.1", 1234]);
  });

  // --host and --port (and -p) set the address; =value works as well as a separate word.
  it("reads --host and --port", () => {
    expect(parseFlags(["--host", "::1", "--port", "5555"], program)).toMatchObject({
      host: "::1",
      port: 5555,
    });
    expect(parseFlags(["--host=localhost", "-p", "0"], program)).toMatchObject({
      host: "localhost",
      port: 0,
    });
  });

  // RAH_HOST and RAH_PORT replace the defaults, and a flag beats the environment.
  it("reads RAH_HOST and RAH_PORT, with flags taking precedence", () => {
    vi.stubEnv("RAH_HOST", "127.0.0.2");
    vi.stubEnv("RAH_PORT", "6000");
    expect(parseFlags([], program)).toMatchObject({ host: "127.0.0.2", port: 6000 });
    expect(parseFlags(["--port", "7000"], program)).toMatchObject({
      host: "127.0.0.2",
      port: 7000,
    });
    expect(parseFlags(["--host", "127.0.0.3"], program)).toMatchObject({
      host: "127.0.0.3",
      port: 6000,
    });
  });

  // An empty variable counts as unset, as shells often export empty ones.
  it("ignores empty RAH_HOST and RAH_PORT", () => {
    vi.stubEnv("RAH_HOST", "");
    vi.stubEnv("RAH_PORT", "");
    expect(parseFlags([], program)).toMatchObject({ host: "127.0.0.1", port: 1234 });
  });

  // A bad RAH_PORT is named as the culprit, not --port.
  it("rejects a bad RAH_PORT by name", () => {
    vi.stubEnv("RAH_PORT", "eighty");
    expect(usageError([])).toBe('RAH_PORT must be a whole number from 0 to 65535, got "eighty"');
  });

  // `pnpm start -- --port 5` passes the "--" through; it is skipped, not taken as a message.
  it("accepts a leading --", () => {
    expect(parseFlags(["--", "--port", "5", "hello"], program)).toMatchObject({
      port: 5,
      positionals: ["hello"],
    });
  });

  // Words that are not flags are the program's positionals (the client's message).
  it("keeps positionals in order", () => {
    const parsed = parseFlags(["hello", "--quiet", "world"], program);
    expect(parsed.positionals).toEqual(["hello", "world"]);
    expect(boolFlag(parsed.values, "quiet")).toBe(true);
    expect(boolFlag(parsed.values, "trace")).toBe(false);
  });

  // A program that takes no words refuses one, instead of quietly ignoring it; a number hints at --port.
  it("refuses a stray word when the program takes none", () => {
    const { args: _, ...server } = program;
    expect(usageError(["5555"], () => parseFlags(["5555"], server))).toBe(
      'unexpected argument "5555" (did you mean --port 5555?): this program takes no arguments, run with --help to see the flags',
    );
    expect(usageError(["hello"], () => parseFlags(["--quiet", "hello"], server))).toBe(
      'unexpected argument "hello": this program takes no arguments, run with --help to see the flags',
    );
  });

  // A client must name the server's port: 0 is refused, and its help does not offer it.
  it("words --port for a client, without port 0", () => {
    const client: Program = { ...program, role: "client" };
    expect(usageError(["--port", "0"], () => parseFlags(["--port", "0"], client))).toBe(
      '--port must be a whole number from 1 to 65535, got "0"',
    );
    expect(parseFlags(["--port", "1"], client).port).toBe(1);
    expect(usageText(client)).not.toContain("0 = any free one");
    expect(usageText(client)).toContain("the server's TCP port");
    expect(usageText(program)).toContain("0 = any free one");
  });

  // A tool has neither --host nor --port: they are unknown flags there, and absent from its help.
  it("gives a tool no --host or --port", () => {
    const tool: Program = { usage: "pnpm tool [flags]", summary: "A tool.", role: "tool" };
    expect(usageError(["--port", "5"], () => parseFlags(["--port", "5"], tool))).toBe(
      "unknown flag --port: run with --help to see the flags",
    );
    expect(usageText(tool)).not.toMatch(/--host|--port/);
    expect(usageText(tool)).toContain("-h, --help");
    expect(parseFlags([], tool).positionals).toEqual([]);
  });

  // A word that reads as a negative number is a word, in its place: a score, not a flag.
  it("takes negative numbers as words", () => {
    const parsed = parseFlags(["zadd", "board", "-1", "x", "-inf", "--quiet", "-.5"], program);
    expect(parsed.positionals).toEqual(["zadd", "board", "-1", "x", "-inf", "-.5"]);
    expect(boolFlag(parsed.values, "quiet")).toBe(true);
    // After a flag that takes a value it is not a word: --port -1 is still a mistake about --port.
    expect(usageError(["--port", "-1"])).toMatch(/^--port needs a value/);
  });

  // A port that is not a whole number in 0..65535 is one sentence quoting what was typed.
  it.each([
    ["abc", ["--port", "abc"]],
    ["70000", ["--port", "70000"]],
    ["-1", ["--port=-1"]],
    ["1.5", ["--port", "1.5"]],
    ["", ["--port", ""]],
  ])("rejects --port %j", (typed, argv) => {
    expect(usageError(argv)).toBe(`--port must be a whole number from 0 to 65535, got "${typed}"`);
  });

  // `--port -1` looks like a flag to the parser; the sentence still names --port, on one line.
  it("rejects --port -1 written as two words", () => {
    expect(usageError(["--port", "-1"])).toMatch(/^--port needs a value .*--port=<value>/);
    expect(usageError(["-p", "-1"])).toMatch(/^--port needs a value/);
  });

  // An unknown flag is named, with a pointer to --help.
  it("rejects an unknown flag", () => {
    expect(usageError(["--bogus"])).toBe("unknown flag --bogus: run with --help to see the flags");
    expect(usageError(["-x"])).toBe("unknown flag -x: run with --help to see the flags");
  });

  // A flag that needs a value and got none says so.
  it("rejects a missing value", () => {
    expect(usageError(["--port"])).toBe("--port needs a value: run with --help to see the flags");
    expect(usageError(["--host"])).toBe("--host needs a value: run with --help to see the flags");
    expect(usageError(["-p"])).toBe("--port needs a value: run with --help to see the flags");
  });

  // A yes/no flag given a value is a mistake, not silently ignored.
  it("rejects a value on a boolean flag", () => {
    expect(usageError(["--quiet=yes"])).toBe(
      "--quiet takes no value: run with --help to see the flags",
    );
  });

  // An empty host would bind every interface in Node; it is refused instead.
  it("rejects an empty --host", () => {
    expect(usageError(["--host", ""])).toBe("--host must not be empty");
  });

  // --help (or -h) stops parsing with the usage text: usage line, summary, every flag, examples.
  it("throws HelpRequested with the usage text", () => {
    for (const argv of [["--help"], ["-h"], ["--port", "5", "--help"]]) {
      let thrown: unknown;
      try {
        parseFlags(argv, program);
      } catch (err: unknown) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(HelpRequested);
      const usage = (thrown as HelpRequested).usage;
      expect(usage.startsWith("usage: pnpm --filter demo start [flags] [word...]\n")).toBe(true);
      expect(usage).toContain("A program for the tests.");
      for (const flag of ["--host <addr>", "-p, --port <n>", "-h, --help", "-q, --quiet"]) {
        expect(usage).toContain(flag);
      }
      expect(usage).toContain("--trace");
      expect(usage).toContain("--max-size <bytes>");
      expect(usage).toContain("examples:\n  pnpm --filter demo start --port 5555");
      expect(usage.endsWith("\n")).toBe(true);
    }
  });

  // --help wins over a bad --port: a user asking for help gets it.
  it("gives help rather than a port error when both are present", () => {
    expect(() => parseFlags(["--port", "99999", "--help"], program)).toThrow(HelpRequested);
  });
});

describe("intFlag", () => {
  const range = { min: 1, max: 100, fallback: 10 };

  // Absent: the fallback; present: the number, bounds included.
  it("returns the fallback or the value within range", () => {
    expect(intFlag({}, "n", range)).toBe(10);
    expect(intFlag({ n: "1" }, "n", range)).toBe(1);
    expect(intFlag({ n: "100" }, "n", range)).toBe(100);
  });

  // Out of range or not a whole number: a sentence with the range and what was typed.
  it.each(["0", "101", "-5", "1e2", "ten", "", "2.5"])("rejects %j", (text) => {
    expect(usageError([], () => intFlag({ n: text }, "n", range))).toBe(
      `--n must be a whole number from 1 to 100, got "${text}"`,
    );
  });
});

describe("sizeFlag", () => {
  const range = { min: 1, max: 64 * 1024 ** 2, fallback: 4096 };

  // Plain bytes and binary units (k, MiB, ...), case-insensitive.
  it.each([
    ["4096", 4096],
    ["1", 1],
    ["64k", 64 * 1024],
    ["64KiB", 64 * 1024],
    ["2kb", 2048],
    ["32MiB", 32 * 1024 ** 2],
    ["1m", 1024 ** 2],
    ["64mb", 64 * 1024 ** 2],
    ["10b", 10],
    [" 8 K ", 8 * 1024],
  ])("reads %j as %d bytes", (text, bytes) => {
    expect(sizeFlag({ size: text }, "size", range)).toBe(bytes);
  });

  // Absent: the fallback.
  it("returns the fallback when absent", () => {
    expect(sizeFlag({}, "size", range)).toBe(4096);
  });

  // Over the maximum, zero, unknown units and junk are one sentence with the limits.
  it.each(["65MiB", "1g", "0", "12q", "k", "-4", "1.5k", ""])("rejects %j", (text) => {
    expect(usageError([], () => sizeFlag({ size: text }, "size", range))).toBe(
      `--size must be a size from 1 to ${64 * 1024 ** 2} bytes (like 4096, 64k or 32MiB), got "${text}"`,
    );
  });
});

describe("isLoopback", () => {
  // Only addresses this machine alone can reach count as loopback.
  it("knows loopback from the rest", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "::1", "localhost"]) {
      expect(isLoopback(host)).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.com", "128.0.0.1"]) {
      expect(isLoopback(host)).toBe(false);
    }
  });
});
