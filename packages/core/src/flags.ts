// Flag parsing for every program: --host and --port (or RAH_HOST, RAH_PORT)
// for servers and clients, --help for all, plus each program's own flags.
// Built on node:util parseArgs; its errors, and any word a program does not
// take, become one-sentence UsageErrors.
import { parseArgs } from "node:util";
import { HelpRequested, UsageError } from "./errors.ts";

export const DEFAULT_HOST = "127.0.0.1";
/** The book's port. */
export const DEFAULT_PORT = 1234;

export interface FlagSpec {
  type: "string" | "boolean";
  description: string;
  /** Shown in --help after the flag, e.g. "<bytes>". */
  value?: string;
  short?: string;
}

export interface Program {
  /** How to run it, first line of --help: "pnpm --filter phase1-echo start [flags]" (args follow). */
  usage: string;
  /** One or two sentences: what the program does. */
  summary: string;
  /**
   * A server listens (--host, --port; port 0 = any free one), a client connects (--host,
   * --port of the server), a tool does neither (no --host, no --port). --help is always there.
   */
  role: "server" | "client" | "tool";
  /**
   * The words it takes besides flags, for the usage line ("[message...]"). Without it, any
   * word that is not a flag is refused: `start 5555` must not quietly listen on 1234.
   */
  args?: string;
  /** The program's own flags. */
  flags?: Record<string, FlagSpec>;
  examples?: string[];
}

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedFlags {
  host: string;
  port: number;
  values: FlagValues;
  positionals: string[];
}

/** --quiet and --trace, for programs that log per request. */
export const logFlags: Record<string, FlagSpec> = {
  quiet: { type: "boolean", short: "q", description: "silence the per-request log lines" },
  trace: { type: "boolean", description: "hex-dump every read and write" },
};

const helpFlag: FlagSpec = { type: "boolean", short: "h", description: "show this help" };

/** --host, --port and --help, worded for what the program does with the address. */
function commonFlags(role: Program["role"]): Record<string, FlagSpec> {
  if (role === "tool") return { help: helpFlag };
  const server = role === "server";
  return {
    host: {
      type: "string",
      value: "<addr>",
      description: `${server ? "address to listen on" : "the server's address"} (env RAH_HOST, default ${DEFAULT_HOST})`,
    },
    port: {
      type: "string",
      short: "p",
      value: "<n>",
      description: server
        ? `TCP port to listen on, 0 = any free one (env RAH_PORT, default ${DEFAULT_PORT})`
        : `the server's TCP port (env RAH_PORT, default ${DEFAULT_PORT})`,
    },
    help: helpFlag,
  };
}

export function usageText(program: Program): string {
  const flags = { ...commonFlags(program.role), ...program.flags };
  const rows = Object.entries(flags).map(([name, spec]) => {
    const short = spec.short ? `-${spec.short}, ` : "    ";
    return [`  ${short}--${name}${spec.value ? ` ${spec.value}` : ""}`, spec.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const args = program.args === undefined ? "" : ` ${program.args}`;
  const lines = [`usage: ${program.usage}${args}`, "", program.summary, "", "flags:"];
  for (const [left, right] of rows) lines.push(`${left.padEnd(width)}${right}`);
  if (program.examples?.length)
    lines.push("", "examples:", ...program.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}

/** Parses argv; throws UsageError for a mistake and HelpRequested for --help. */
export function parseFlags(argv: readonly string[], program: Program): ParsedFlags {
  // `pnpm start -- --port 5` passes the "--" through; npm users type it, so accept it.
  const args = argv[0] === "--" ? argv.slice(1) : [...argv];
  const specs = { ...commonFlags(program.role), ...program.flags };
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  // A word that reads as a negative number (`-1`, `-2.5`, `-inf`) is a
  // word, not a flag: `client zadd board -1 x` sends "-1" as a score. No flag
  // looks like one, so nothing is lost. It is swapped for a stand-in that
  // parseArgs takes as a word, and swapped back after.
  const stashed: string[] = [];
  const shielded = args.map((arg, i) => {
    if (!NEGATIVE.test(arg) || takesValue(args[i - 1], specs)) return arg;
    stashed.push(arg);
    return `${STAND_IN}${stashed.length - 1}`;
  });
  let parsed: { values: FlagValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: shielded,
      options,
      allowPositionals: true,
      strict: true,
    }) as typeof parsed;
  } catch (err: unknown) {
    throw new UsageError(describeParseError(err), { cause: err });
  }
  parsed.positionals = parsed.positionals.map((word) =>
    word.startsWith(STAND_IN) ? (stashed[Number(word.slice(STAND_IN.length))] ?? word) : word,
  );
  if (parsed.values.help) throw new HelpRequested(usageText(program));
  const stray = parsed.positionals[0];
  if (stray !== undefined && program.args === undefined) throw strayWord(stray, program.role);
  if (program.role === "tool") {
    return { host: DEFAULT_HOST, port: DEFAULT_PORT, ...parsed };
  }
  const host = stringFlag(parsed.values, "host") ?? envValue("RAH_HOST") ?? DEFAULT_HOST;
  if (host === "") throw new UsageError("--host must not be empty");
  // A server may ask for port 0 (any free one); a client must name the server's port.
  const lowest = program.role === "server" ? 0 : 1;
  const portFlag = stringFlag(parsed.values, "port");
  const port =
    portFlag !== undefined
      ? parsePort(portFlag, "--port", lowest)
      : envValue("RAH_PORT") !== undefined
        ? parsePort(envValue("RAH_PORT") ?? "", "RAH_PORT", lowest)
        : DEFAULT_PORT;
  return { host, port, values: parsed.values, positionals: parsed.positionals };
}

/** The sentence for a word the program does not take; a number was probably meant as a port. */
function strayWord(word: string, role: Program["role"]): UsageError {
  const hint = role !== "tool" && /^\d+$/.test(word) ? ` (did you mean --port ${word}?)` : "";
  return new UsageError(
    `unexpected argument "${word}"${hint}: this program takes no arguments, run with --help to see the flags`,
  );
}

/** A negative number as a user types it: -1, -0.5, -.5, -1e3, -inf, -nan. */
const NEGATIVE = /^-(\d|\.\d|inf|nan)/i;
/** What stands in for a negative number while parseArgs reads the flags (not a flag, nor text anyone types). */
const STAND_IN = "\u0000word:";

/** Whether `arg` is a flag that takes a value (the next word is its value, whatever it looks like). */
function takesValue(arg: string | undefined, specs: Record<string, FlagSpec>): boolean {
  if (arg === undefined || !arg.startsWith("-") || arg.includes("=")) return false;
  const name = arg.replace(/^--?/, "");
  const spec = arg.startsWith("--")
    ? specs[name]
    : Object.values(specs).find((s) => s.short === name);
  return spec?.type === "string";
}

function envValue(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value === "" ? undefined : value;
}

function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]}: run with --help to see the flags`;
  const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
  if (missing)
    return `${missing[1]?.replace(/^-\w, /, "")} needs a value: run with --help to see the flags`;
  const extra = /Option '([^']+)' does not take an argument/.exec(message);
  if (extra)
    return `${extra[1]?.replace(/^-\w, /, "")} takes no value: run with --help to see the flags`;
  // "--port -1": parseArgs will not take a value that looks like a flag.
  const ambiguous = /argument is ambiguous[\s\S]*use '(--[\w-]+)=/.exec(message);
  if (ambiguous)
    return `${ambiguous[1]} needs a value (write ${ambiguous[1]}=<value> for one starting with "-"): run with --help to see the flags`;
  return `${message.split(/\.\s/)[0]}: run with --help to see the flags`;
}

function parsePort(text: string, source: string, lowest: number): number {
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < lowest || port > 65535) {
    throw new UsageError(`${source} must be a whole number from ${lowest} to 65535, got "${text}"`);
  }
  return port;
}

function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

interface Range {
  min: number;
  max: number;
  fallback: number;
}

/** Reads flag `name` with `parse` (NaN for a bad value), checked against `range`. */
function numberFlag(
  values: FlagValues,
  name: string,
  range: Range,
  parse: (text: string) => number,
  what: string,
): number {
  const text = stringFlag(values, name);
  if (text === undefined) return range.fallback;
  const n = parse(text);
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`--${name} must be ${what}, got "${text}"`);
  }
  return n;
}

/** A whole-number flag within [min, max]; `fallback` when absent. */
export function intFlag(values: FlagValues, name: string, range: Range): number {
  const parse = (text: string) => (/^\d+$/.test(text) ? Number(text) : Number.NaN);
  return numberFlag(values, name, range, parse, `a whole number from ${range.min} to ${range.max}`);
}

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A byte size flag: "4096", "64k", "32MiB" (binary units); within [min, max]. */
export function sizeFlag(values: FlagValues, name: string, range: Range): number {
  const parse = (text: string) => {
    const match = /^(\d+)\s*([a-z]*)$/i.exec(text.trim());
    const unit = UNITS[match?.[2]?.toLowerCase() ?? "?"];
    return match && unit !== undefined ? Number(match[1]) * unit : Number.NaN;
  };
  const what = `a size from ${range.min} to ${range.max} bytes (like 4096, 64k or 32MiB)`;
  return numberFlag(values, name, range, parse, what);
}

export function boolFlag(values: FlagValues, name: string): boolean {
  return values[name] === true;
}

/** True for 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
