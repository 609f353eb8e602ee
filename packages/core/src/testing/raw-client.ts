// A raw TCP client for black-box tests: send exact bytes, read exact bytes,
// see how the server ended the connection.
import net from "node:net";
import { withTimeout } from "./time.ts";

/** How the connection ended, as this client saw it. */
export type ClientEnd = "eof" | "reset" | "open";

export interface RawClient {
  readonly socket: net.Socket;
  send(bytes: Uint8Array | string): Promise<void>;
  /** Waits for exactly n more bytes; fails if the server closes first or time runs out. */
  read(n: number, ms?: number): Promise<Buffer>;
  /** Everything until the server closes (EOF or reset). */
  readToEnd(ms?: number): Promise<Buffer>;
  /** Resolves with how the server ended the connection. */
  ended(ms?: number): Promise<ClientEnd>;
  /** How the connection ended so far: "open" while it is still up. */
  state(): ClientEnd;
  /** Bytes received and not yet taken by read(). */
  buffered(): number;
  /** shutdown(SHUT_WR): send FIN, keep reading. */
  end(): void;
  /** Abort with a TCP RST. */
  reset(): void;
  destroy(): void;
}

export function openClient(port: number, host = "127.0.0.1"): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, allowHalfOpen: true });
    let inbox: Buffer = Buffer.alloc(0);
    let end: ClientEnd = "open";
    const waiters = new Set<() => void>();
    const poke = () => {
      for (const w of [...waiters]) w();
    };
    socket.on("data", (chunk: Buffer) => {
      inbox = inbox.length === 0 ? chunk : Buffer.concat([inbox, chunk]);
      poke();
    });
    socket.on("end", () => {
      if (end === "open") end = "eof";
      poke();
    });
    socket.on("error", () => {
      // ECONNRESET, EPIPE: the server aborted the connection.
      if (end === "open") end = "reset";
      poke();
    });
    socket.on("close", () => {
      if (end === "open") end = "eof";
      poke();
    });
    const until = (ready: () => boolean, ms: number, what: string) =>
      withTimeout(
        new Promise<void>((done) => {
          const check = () => {
            if (ready()) {
              waiters.delete(check);
              done();
            }
          };
          waiters.add(check);
          check();
        }),
        ms,
        what,
      );

    const client: RawClient = {
      socket,
      send: (bytes) =>
        new Promise((ok, fail) => socket.write(bytes, (err) => (err ? fail(err) : ok()))),
      async read(n, ms = 10_000) {
        await until(() => inbox.length >= n || end !== "open", ms, `reading ${n} bytes`);
        if (inbox.length < n) {
          throw new Error(`connection ended (${end}) after ${inbox.length} of ${n} bytes`);
        }
        const out = inbox.subarray(0, n);
        inbox = inbox.subarray(n);
        return out;
      },
      async readToEnd(ms = 10_000) {
        await until(() => end !== "open", ms, "waiting for the server to close");
        const out = inbox;
        inbox = Buffer.alloc(0);
        return out;
      },
      async ended(ms = 10_000) {
        await until(() => end !== "open", ms, "waiting for the server to close");
        return end;
      },
      state: () => end,
      buffered: () => inbox.length,
      end: () => socket.end(),
      reset: () => socket.resetAndDestroy(),
      destroy: () => socket.destroy(),
    };
    socket.once("connect", () => resolve(client));
    socket.once("error", reject);
  });
}
