// Where a program's lines go: the terminal for the real thing (processIo),
// arrays for the tests.
import { paint } from "@rah/core";

export interface Io {
  /** A line for stdout. */
  out(line: string): void;
  /** A line for stderr. */
  err(line: string): void;
  /** An "error: <sentence>" line for stderr, the label in red on a terminal. */
  error(sentence: string): void;
}

export const processIo: Io = {
  out: (line) => console.log(line),
  err: (line) => process.stderr.write(`${line}\n`),
  error: (sentence) =>
    process.stderr.write(`${paint(process.stderr, "red", "error:")} ${sentence}\n`),
};
