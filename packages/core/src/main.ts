// The wrapper every entry point (src/bin/*.ts) runs in: argv in, exit code
// out. A UserError prints one line and no stack trace.
//
// Ctrl-C and SIGTERM: a server ("close") gets them as the `stop` signal and
// closes its connections cleanly; a client, demo or tool ("exit") installs
// no handler at all, so the signal ends it at once, the way it ends any Unix
// program, even while it waits for a busy server.
import { errorCode, HelpRequested, UserError } from "./errors.ts";
import { paint } from "./log.ts";

export type MainFunction = (argv: string[], stop: AbortSignal) => Promise<number | undefined>;

export interface MainOptions {
  /** "close" (the default, for servers): abort `stop` and let the program finish; "exit": end at once. */
  onSignal?: "close" | "exit";
}

/** How long a program may take to close after Ctrl-C before it is forced to exit. */
const STOP_GRACE_MS = 5_000;

export function main(run: MainFunction, options: MainOptions = {}): void {
  const controller = new AbortController();
  if (options.onSignal !== "exit") {
    const onSignal = (signal: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        // A second Ctrl-C: the user does not want to wait.
        process.exit(130);
      }
      // The terminal echoed "^C" where the cursor was: go on from a fresh line.
      if (process.stdout.isTTY) process.stdout.write("\n");
      controller.abort(signal);
      setTimeout(() => {
        process.stderr.write(
          `error: still closing ${STOP_GRACE_MS / 1000} s after ${signal}; exiting anyway\n`,
        );
        process.exit(1);
      }, STOP_GRACE_MS).unref();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  // `client | head -1` closes our stdout early: that is not an error.
  process.stdout.on("error", (err: unknown) => {
    if (errorCode(err) === "EPIPE") process.exit(0);
    throw err;
  });

  run(process.argv.slice(2), controller.signal).then(
    (code) => finish(code ?? 0),
    (err: unknown) => finish(report(err)),
  );
}

/** Resolves once Ctrl-C or SIGTERM arrives: servers await this, then close. */
export function untilStopped(stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.resolve();
  return new Promise((resolve) => stop.addEventListener("abort", () => resolve(), { once: true }));
}

function finish(code: number): void {
  process.exitCode = code;
  // Everything should be closed by now, so the process ends by itself; if a
  // stray handle keeps it alive, do not hang the user's terminal.
  setTimeout(() => process.exit(code), 1_000).unref();
}

function report(err: unknown): number {
  if (err instanceof HelpRequested) {
    process.stdout.write(err.usage);
    return 0;
  }
  const label = paint(process.stderr, "red", "error:");
  if (err instanceof UserError) {
    process.stderr.write(`${label} ${err.message}\n`);
    return err.exitCode;
  }
  process.stderr.write(`${label} unexpected failure (this is a bug, please report it):\n`);
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 70;
}
