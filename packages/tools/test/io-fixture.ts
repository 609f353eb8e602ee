// An Io that keeps every line, for running a program in process.
import type { Io } from "../src/programs/io.ts";

export interface RecordingIo extends Io {
  stdout: string[];
  stderr: string[];
}

export function recordingIo(): RecordingIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    error: (sentence) => stderr.push(`error: ${sentence}`),
  };
}
