// Errors a user can cause and fix. main() prints their message as one line
// (no stack trace) and exits with their exitCode; anything else is a bug.

/** A mistake the user can fix: printed as one sentence, never as a stack trace. */
export class UserError extends Error {
  override name = "UserError";
  /** The process exit code main() uses for this error. */
  exitCode = 1;
}

/** A bad flag, flag value or argument. Exit code 2, as shells expect for usage errors. */
export class UsageError extends UserError {
  override name = "UsageError";
  override exitCode = 2;
}

/** Thrown by parseFlags() for --help; main() prints the usage text and exits 0. */
export class HelpRequested extends Error {
  override name = "HelpRequested";
  readonly usage: string;
  constructor(usage: string) {
    super("help requested");
    this.usage = usage;
  }
}

export class PortInUseError extends UserError {
  override name = "PortInUseError";
  constructor(host: string, port: number, cause: unknown) {
    super(
      `port ${port} on ${host} is already in use: stop the other server, or pick another port with --port (--port 0 picks a free one)`,
      { cause },
    );
  }
}

export class PermissionDeniedError extends UserError {
  override name = "PermissionDeniedError";
  constructor(host: string, port: number, cause: unknown) {
    super(
      `no permission to listen on ${host}:${port}: ports below 1024 need root; use a higher one such as the default 1234`,
      { cause },
    );
  }
}

export class AddressUnavailableError extends UserError {
  override name = "AddressUnavailableError";
  constructor(host: string, cause: unknown) {
    super(`${host} is not an address of this machine: use 127.0.0.1 (the default)`, { cause });
  }
}

export class ConnectionRefusedError extends UserError {
  override name = "ConnectionRefusedError";
  constructor(host: string, port: number, cause: unknown) {
    super(
      `no server is listening on ${host}:${port}: start one first (pnpm --filter <phase> start), or check --host and --port`,
      { cause },
    );
  }
}

/** The peer went away in the middle of an exchange (EOF, reset or broken pipe). */
export class ConnectionLostError extends UserError {
  override name = "ConnectionLostError";
  constructor(host: string, port: number, detail: string, cause?: unknown) {
    super(`the server at ${host}:${port} ${detail}`, cause === undefined ? {} : { cause });
  }
}

/** The errno-style code of a Node system error ("EADDRINUSE", "ECONNRESET", ...), if any. */
export function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && "code" in err && typeof err.code === "string") return err.code;
  return undefined;
}

/** Turns the failure of listen() into the friendly error a user can act on. */
export function listenError(err: unknown, host: string, port: number): unknown {
  switch (errorCode(err)) {
    case "EADDRINUSE":
      return new PortInUseError(host, port, err);
    case "EACCES":
    case "EPERM":
      return new PermissionDeniedError(host, port, err);
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new AddressUnavailableError(host, err);
    default:
      return err;
  }
}

/** Turns the failure of connect() into the friendly error a user can act on. */
export function connectError(err: unknown, host: string, port: number): unknown {
  switch (errorCode(err)) {
    case "ECONNREFUSED":
      return new ConnectionRefusedError(host, port, err);
    case "ECONNRESET":
    case "EPIPE":
      return new ConnectionLostError(host, port, "reset the connection", err);
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EADDRNOTAVAIL":
      return new UserError(`cannot resolve or reach ${host}: check --host`, { cause: err });
    default:
      return err;
  }
}

/** "ECONNRESET: read ECONNRESET" and the like: one line for a log. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = errorCode(err);
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
