// The log format every phase shares: one line per event a student should see,
//   20:41:03.123 [127.0.0.1:53422] accepted
// Colour only when the stream is a terminal and NO_COLOR is unset.
import { styleText } from "node:util";
import { hexDump } from "./hexdump.ts";

export interface LogOptions {
  /** Silence the per-request lines (detail); events and errors still print. */
  quiet?: boolean;
  /** Add a hex dump of every read and write. */
  trace?: boolean;
  /** Where lines go; stderr always takes warnings and errors. Defaults to process.stdout. */
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  err?: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface Logger {
  /** An event: listening, accepted, closed. */
  info(message: string, peer?: string): void;
  /** A per-request line (sizes, previews); silenced by --quiet. */
  detail(message: string, peer?: string): void;
  /** A hex dump of bytes read or written; only with --trace. */
  trace(label: string, bytes: Uint8Array, peer?: string): void;
  /**
   * Bytes moved, as one detail line ("read 5 bytes"); under --trace the
   * same entry carries their hex dump. Silenced by --quiet.
   */
  data(verb: string, bytes: Uint8Array, peer?: string): void;
  warn(message: string, peer?: string): void;
  error(message: string, peer?: string): void;
  /** False under --quiet: hot paths skip building detail lines nobody will see. */
  readonly detailed: boolean;
  /** True under --trace. */
  readonly tracing: boolean;
}

type Format = Parameters<typeof styleText>[0];

/** "1 byte", "2 bytes": a number and its noun, singular when it is one. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** A size for people: "32 MiB" or "64 KiB" when it is a whole number of them, else "4097 bytes". */
export function sizeText(bytes: number): string {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return count(bytes, "byte");
}

/** "127.0.0.1:1234", or "[::1]:1234" for IPv6. */
export function hostPort(host: string, port: number | string): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export function useColor(stream: { isTTY?: boolean }): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== "dumb";
}

/** `text` in the given style when `stream` is a terminal that takes colour; plain otherwise. */
export function paint(stream: { isTTY?: boolean }, format: Format, text: string): string {
  return useColor(stream) ? styleText(format, text, { validateStream: false }) : text;
}

function clock(): string {
  const now = new Date();
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
}

export function createLogger(options: LogOptions = {}): Logger {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const write = (stream: typeof out, format: Format | null, message: string, peer?: string) => {
    const color = useColor(stream);
    const paint = (f: Format, s: string) =>
      color ? styleText(f, s, { validateStream: false }) : s;
    const who = peer === undefined ? "" : `${paint("cyan", `[${peer}]`)} `;
    const body = format === null ? message : paint(format, message);
    stream.write(`${paint("dim", clock())} ${who}${body}\n`);
  };
  return {
    detailed: options.quiet !== true,
    tracing: options.trace === true,
    info: (message, peer) => write(out, null, message, peer),
    detail: (message, peer) => {
      if (!options.quiet) write(out, null, message, peer);
    },
    trace: (label, bytes, peer) => {
      if (!options.trace) return;
      write(out, "magenta", `${label} (${count(bytes.length, "byte")})\n${hexDump(bytes)}`, peer);
    },
    data: (verb, bytes, peer) => {
      if (options.quiet) return;
      const line = `${verb} ${count(bytes.length, "byte")}`;
      write(out, null, options.trace ? `${line}\n${hexDump(bytes)}` : line, peer);
    },
    warn: (message, peer) => write(err, "yellow", `warning: ${message}`, peer),
    error: (message, peer) => write(err, "red", `error: ${message}`, peer),
  };
}

/** A logger that prints nothing: for tests and benchmarks. */
export const silentLogger: Logger = {
  detailed: false,
  tracing: false,
  info: () => {},
  detail: () => {},
  trace: () => {},
  data: () => {},
  warn: () => {},
  error: () => {},
};
