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
    let end: ClientEnd = "open";
    const waiters = new Set<() => void>();
    const poke = () => {
      for (const w of [...waiters]) w();
    };
    // Chunks are joined lazily (in take()), so a large transfer costs O(n), not O(n^2).
    const chunks: Buffer[] = [];
    let size = 0;
    const take = (n: number): Buffer => {
      if (chunks.length > 1) chunks.splice(0, chunks.length, Buffer.concat(chunks));
      const all = chunks[0] ?? Buffer.alloc(0);
      const out = all.subarray(0, n);
      chunks.splice(0, chunks.length);
      if (all.length > n) chunks.push(all.subarray(n));
      size -= out.length;
      return out;
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
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
        await until(() => size >= n || end !== "open", ms, `reading ${n} bytes`);
        if (size < n) {
          throw new Error(`connection ended (${end}) after ${size} of ${n} bytes`);
        }
        return take(n);
      },
      async readToEnd(ms = 10_000) {
        await until(() => end !== "open", ms, "waiting for the server to close");
        return take(size);
      },
      async ended(ms = 10_000) {
        await until(() => end !== "open", ms, "waiting for the server to close");
        return end;
      },
      state: () => end,
      buffered: () => size,
      end: () => socket.end(),
      reset: () => socket.resetAndDestroy(),
      destroy: () => socket.destroy(),
    };
    socket.once("connect", () => resolve(client));
    socket.once("error", reject);
  });
}
