import { Writable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { count, createLogger, hostPort, silentLogger, sizeText, useColor } from "../src/log.ts";

/** A stream that keeps what is written to it; `isTTY` plays a terminal or a pipe. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join(""), lines: () => chunks.join("").split("\n") };
}

const TIME = String.raw`\d\d:\d\d:\d\d\.\d{3}`;
// The start of every ANSI colour sequence.
const ESC = "\u001b[";

beforeEach(() => {
  vi.stubEnv("NO_COLOR", undefined);
  vi.stubEnv("TERM", "xterm-256color");
  // Node's styleText() drops colour by itself unless process.stdout is a terminal (it is
  // not under vitest); FORCE_COLOR lifts that, so these tests see the logger's own choice.
  vi.stubEnv("FORCE_COLOR", "1");
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("createLogger()", () => {
  // One line per event: the time, the client's address in brackets, the event.
  it("writes time, peer and message on one line", () => {
    const out = capture(false);
    const log = createLogger({ out: out.stream, err: capture(false).stream });
    log.info("accepted", "127.0.0.1:53422");
    log.info("listening on 127.0.0.1:1234");
    expect(out.text()).toMatch(
      new RegExp(
        `^${TIME} \\[127\\.0\\.0\\.1:53422\\] accepted\\n${TIME} listening on 127\\.0\\.0\\.1:1234\\n$`,
      ),
    );
  });

  // The time stamp is the local wall clock.
  it("stamps the current local time", () => {
    vi.useFakeTimers({ now: new Date(2024, 0, 2, 9, 5, 7, 42) });
    try {
      const out = capture(false);
      createLogger({ out: out.stream }).info("tick");
      expect(out.text()).toBe("09:05:07.042 tick\n");
    } finally {
      vi.useRealTimers();
    }
  });

  // Warnings and errors go to the error stream, labelled; the normal stream stays clean.
  it("sends warnings and errors to the error stream", () => {
    const out = capture(false);
    const err = capture(false);
    const log = createLogger({ out: out.stream, err: err.stream });
    log.warn("binding 0.0.0.0");
    log.error("connection lost", "127.0.0.1:9");
    expect(out.text()).toBe("");
    expect(err.lines()[0]).toMatch(new RegExp(`^${TIME} warning: binding 0\\.0\\.0\\.0$`));
    expect(err.lines()[1]).toMatch(
      new RegExp(`^${TIME} \\[127\\.0\\.0\\.1:9\\] error: connection lost$`),
    );
  });

  // --quiet drops the per-request lines but keeps events, warnings and errors.
  it("silences detail lines under quiet", () => {
    const out = capture(false);
    const err = capture(false);
    const log = createLogger({ quiet: true, out: out.stream, err: err.stream });
    log.detail("read 5 bytes", "127.0.0.1:9");
    log.info("closed", "127.0.0.1:9");
    log.warn("careful");
    expect(out.text()).not.toContain("read 5 bytes");
    expect(out.text()).toContain("closed");
    expect(err.text()).toContain("warning: careful");
    expect(log.detailed).toBe(false);

    const loud = capture(false);
    const normal = createLogger({ out: loud.stream });
    normal.detail("read 5 bytes");
    expect(loud.text()).toContain("read 5 bytes");
    expect(normal.detailed).toBe(true);
  });

  // --trace adds a labelled hex dump of the bytes; without it, trace() prints nothing.
  it("hex-dumps only under trace", () => {
    const plain = capture(false);
    const quietLog = createLogger({ out: plain.stream });
    quietLog.trace("read", Buffer.from("hi"), "127.0.0.1:9");
    expect(plain.text()).toBe("");
    expect(quietLog.tracing).toBe(false);

    const traced = capture(false);
    const log = createLogger({ trace: true, out: traced.stream });
    log.trace("read", Buffer.from("hi"), "127.0.0.1:9");
    expect(log.tracing).toBe(true);
    expect(traced.lines()).toEqual([
      expect.stringMatching(new RegExp(`^${TIME} \\[127\\.0\\.0\\.1:9\\] read \\(2 bytes\\)$`)),
      "00000000  68 69                                             |hi|",
      "",
    ]);
  });

  // data() is one line per read or write; --trace puts the hex dump in that same entry, --quiet drops it.
  it("logs bytes moved as one entry, dumped under trace", () => {
    const plain = capture(false);
    createLogger({ out: plain.stream }).data("read", Buffer.from("hi"), "127.0.0.1:9");
    expect(plain.lines()).toEqual([
      expect.stringMatching(new RegExp(`^${TIME} \\[127\\.0\\.0\\.1:9\\] read 2 bytes$`)),
      "",
    ]);

    const traced = capture(false);
    createLogger({ trace: true, out: traced.stream }).data(
      "wrote",
      Buffer.from("h"),
      "127.0.0.1:9",
    );
    expect(traced.lines()).toEqual([
      expect.stringMatching(new RegExp(`^${TIME} \\[127\\.0\\.0\\.1:9\\] wrote 1 byte$`)),
      "00000000  68                                                |h|",
      "",
    ]);

    const quiet = capture(false);
    createLogger({ quiet: true, trace: true, out: quiet.stream }).data("read", Buffer.from("x"));
    expect(quiet.text()).toBe("");
  });

  // A terminal gets colour; a pipe or a file gets plain text.
  it("colours only a TTY", () => {
    const tty = capture(true);
    createLogger({ out: tty.stream }).info("accepted", "127.0.0.1:9");
    expect(tty.text()).toContain(ESC);

    const pipe = capture(false);
    const perr = capture(false);
    const log = createLogger({ out: pipe.stream, err: perr.stream });
    log.info("accepted", "127.0.0.1:9");
    log.error("bad");
    log.trace("read", Buffer.from("x"));
    expect(pipe.text() + perr.text()).not.toContain(ESC);
  });

  // NO_COLOR turns colour off even on a terminal.
  it("never colours under NO_COLOR", () => {
    vi.stubEnv("NO_COLOR", "1");
    const tty = capture(true);
    const err = capture(true);
    const log = createLogger({ out: tty.stream, err: err.stream });
    log.info("accepted", "127.0.0.1:9");
    log.warn("careful");
    expect(tty.text() + err.text()).not.toContain(ESC);
    expect(tty.text()).toMatch(new RegExp(`^${TIME} \\[127\\.0\\.0\\.1:9\\] accepted\\n$`));
  });

  // The silent logger prints nothing at all and claims neither detail nor trace.
  it("has a silent logger for tests", () => {
    const write = vi.spyOn(process.stdout, "write");
    try {
      silentLogger.info("x");
      silentLogger.detail("x");
      silentLogger.trace("x", Buffer.from("x"));
      expect(write).not.toHaveBeenCalled();
    } finally {
      write.mockRestore();
    }
    expect([silentLogger.detailed, silentLogger.tracing]).toEqual([false, false]);
  });
});

describe("useColor()", () => {
  // Colour needs a TTY, no NO_COLOR, and a terminal that is not "dumb".
  it("decides from isTTY, NO_COLOR and TERM", () => {
    expect(useColor({ isTTY: true })).toBe(true);
    expect(useColor({ isTTY: false })).toBe(false);
    expect(useColor({})).toBe(false);
    vi.stubEnv("TERM", "dumb");
    expect(useColor({ isTTY: true })).toBe(false);
    vi.stubEnv("TERM", "xterm");
    vi.stubEnv("NO_COLOR", "1");
    expect(useColor({ isTTY: true })).toBe(false);
  });
});

describe("count() and sizeText()", () => {
  // One of a thing is singular, any other number plural: no "1 bytes", no "1 clients".
  it("writes a number with its noun", () => {
    expect([count(0, "byte"), count(1, "byte"), count(2, "client")]).toEqual([
      "0 bytes",
      "1 byte",
      "2 clients",
    ]);
  });

  // Whole binary units where they fit, plain bytes otherwise: "32 MiB", not 33554432.
  it("writes sizes in binary units when exact", () => {
    expect(sizeText(32 * 1024 * 1024)).toBe("32 MiB");
    expect(sizeText(64 * 1024)).toBe("64 KiB");
    expect(sizeText(4096)).toBe("4 KiB");
    expect(sizeText(4097)).toBe("4097 bytes");
    expect(sizeText(1)).toBe("1 byte");
    expect(sizeText(2 * 1024 ** 3)).toBe("2 GiB");
  });
});

describe("hostPort()", () => {
  // IPv4 and names as host:port; IPv6 in brackets so the port stays readable.
  it("writes host:port, bracketing IPv6", () => {
    expect(hostPort("127.0.0.1", 1234)).toBe("127.0.0.1:1234");
    expect(hostPort("localhost", "80")).toBe("localhost:80");
    expect(hostPort("::1", 1234)).toBe("[::1]:1234");
  });
});
