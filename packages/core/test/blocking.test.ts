// The blocking-style stand-in against real sockets on 127.0.0.1: each call
// must behave like the syscall it stands for.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Connection, connect, type Listener, listen, ShutdownError } from "../src/blocking.ts";
import { ConnectionRefusedError, errorCode, PortInUseError } from "../src/errors.ts";
import { openClient, type RawClient } from "../src/testing/raw-client.ts";
import { sleep, withTimeout } from "../src/testing/time.ts";

let listener: Listener;
const clients: RawClient[] = [];

beforeEach(async () => {
  listener = await listen("127.0.0.1", 0);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await listener.close();
});

async function client(): Promise<RawClient> {
  const c = await openClient(listener.port);
  clients.push(c);
  return c;
}

/** accept(), bounded: a test that waits forever is a failed test. */
async function accept(): Promise<Connection> {
  const conn = await withTimeout(listener.accept(), 5_000, "accept()");
  if (conn === null) throw new Error("accept() returned null on an open listener");
  return conn;
}

const read = (conn: Connection, max: number) => withTimeout(conn.read(max), 5_000, `read(${max})`);

/** Reads until read() returns the empty buffer (EOF); returns it all as text. */
async function readToEof(conn: Connection): Promise<string> {
  let got = "";
  for (;;) {
    const bytes = await read(conn, 4096);
    if (bytes.length === 0) return got;
    got += bytes.toString();
  }
}

describe("listen()", () => {
  // Port 0 means "any free port": the listener reports the one the kernel picked.
  it("reports the port the kernel picked", () => {
    expect(listener.host).toBe("127.0.0.1");
    expect(listener.port).toBeGreaterThan(0);
  });

  // A port already taken is the friendly PortInUseError, not a raw EADDRINUSE.
  it("rejects a port in use with PortInUseError", async () => {
    await expect(listen("127.0.0.1", listener.port)).rejects.toBeInstanceOf(PortInUseError);
  });
});

describe("read()", () => {
  // read(max) hands back 1..max bytes each time, never more, and loses nothing.
  it("returns between 1 and max bytes, never more", async () => {
    const c = await client();
    const conn = await accept();
    const sent = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 7) % 256));
    await c.send(sent);
    c.end();
    const parts: Buffer[] = [];
    for (let total = 0; total < sent.length; ) {
      const bytes = await read(conn, 7);
      expect(bytes.length).toBeGreaterThanOrEqual(1);
      expect(bytes.length).toBeLessThanOrEqual(7);
      parts.push(bytes);
      total += bytes.length;
    }
    expect(Buffer.concat(parts)).toEqual(sent);
  });

  // Like read(2): three bytes there and max 4096 returns those three, without waiting for more.
  it("returns what is there without waiting for max bytes", async () => {
    const c = await client();
    const conn = await accept();
    await c.send("abc");
    // The client keeps its connection open, so waiting for more would hang here.
    let got = Buffer.alloc(0);
    while (got.length < 3) got = Buffer.concat([got, await read(conn, 4096)]);
    expect(got.toString()).toBe("abc");
  });

  // read() waits while nothing is there, and wakes when bytes arrive.
  it("waits for the first byte", async () => {
    const c = await client();
    const conn = await accept();
    let done = false;
    const pending = read(conn, 100).then((bytes) => {
      done = true;
      return bytes;
    });
    await sleep(100);
    expect(done).toBe(false);
    await c.send("x");
    expect((await pending).toString()).toBe("x");
  });

  // After the peer's FIN, read() returns an empty buffer, and again on every later call.
  it("returns an empty buffer at EOF, every time", async () => {
    const c = await client();
    const conn = await accept();
    await c.send("hi");
    c.end();
    const got = await readToEof(conn);
    expect(got).toBe("hi");
    for (let i = 0; i < 3; i++) expect((await read(conn, 4096)).length).toBe(0);
  });

  // A peer that aborts (RST) makes read() reject with ECONNRESET, not return EOF.
  it("rejects with ECONNRESET after a reset", async () => {
    const c = await client();
    const conn = await accept();
    await c.send("about to vanish");
    // Let the bytes and the reset arrive, so read() sees the reset and not a timing race.
    const first = await read(conn, 4096);
    expect(first.length).toBeGreaterThan(0);
    c.reset();
    const error = await withTimeout(
      (async () => {
        for (;;) {
          const bytes = await conn.read(4096);
          if (bytes.length === 0) return new Error("read() returned EOF instead of rejecting");
        }
      })().catch((err: unknown) => err),
      5_000,
      "read() after a reset",
    );
    expect(errorCode(error)).toBe("ECONNRESET");
  });

  // max must be at least 1: read(0) is a caller's bug, reported at once.
  it("refuses max below 1", async () => {
    await client();
    const conn = await accept();
    await expect(conn.read(0)).rejects.toBeInstanceOf(RangeError);
  });
});

describe("write()", () => {
  // write() resolves only once the kernel has taken every byte: a peer that never reads holds it up.
  it("resolves after the bytes are handed over", async () => {
    // A plain socket that counts what arrives (the raw client's inbox would copy 16 MiB over and over).
    const socket = net.connect({ host: "127.0.0.1", port: listener.port });
    const conn = await accept();
    // The client does not read yet, so the kernel's buffers (a few MiB here) fill up.
    socket.pause();
    const big = randomBytes(16 * 1024 * 1024);
    let written = false;
    const writing = conn.write(big).then(() => {
      written = true;
    });
    try {
      await sleep(300);
      expect(written).toBe(false);
      let received = 0;
      let intact = true;
      socket.on("data", (chunk: Buffer) => {
        if (!chunk.equals(big.subarray(received, received + chunk.length))) intact = false;
        received += chunk.length;
      });
      const ended = new Promise((resolve) => socket.once("end", resolve));
      socket.resume();
      await withTimeout(writing, 10_000, "write() once the client reads again");
      // Everything was handed over, so all of it arrives, in order.
      conn.close();
      await withTimeout(ended, 10_000, "the client seeing EOF");
      expect(received).toBe(big.length);
      expect(intact).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  // A write to a peer that reset the connection rejects instead of crashing the process.
  it("rejects after the peer resets", async () => {
    const c = await client();
    const conn = await accept();
    c.reset();
    // The first write may still reach the kernel before the reset is seen; keep writing.
    const error = await withTimeout(
      (async () => {
        for (let i = 0; i < 100; i++) {
          await conn.write(Buffer.alloc(64 * 1024));
          await sleep(10);
        }
        return new Error("write() kept succeeding after a reset");
      })().catch((err: unknown) => err),
      5_000,
      "write() after a reset",
    );
    expect(["ECONNRESET", "EPIPE"]).toContain(errorCode(error));
  });
});

describe("shutdownWrite()", () => {
  // shutdown(SHUT_WR) sends FIN: the peer sees EOF, yet can still send and be read.
  it("sends FIN while reading still works", async () => {
    const c = await client();
    const conn = await accept();
    await conn.write(Buffer.from("bye"));
    await conn.shutdownWrite();
    expect((await c.readToEnd(5_000)).toString()).toBe("bye");
    expect(c.state()).toBe("eof");
    await c.send("still here");
    c.end();
    const got = await readToEof(conn);
    expect(got).toBe("still here");
  });
});

/**
 * Bytes the kernel holds unread for the server's end of a connection (the
 * socket on `localPort` talking to `remotePort`): rx_queue in /proc/net/tcp,
 * what `ss -tn` shows as Recv-Q. Null where /proc/net/tcp does not exist.
 */
function unreadInKernel(localPort: number, remotePort: number): number | null {
  if (!existsSync("/proc/net/tcp")) return null;
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const [, local, remote, , queues] = line.trim().split(/\s+/);
    const port = (address: string | undefined) => Number.parseInt(address?.split(":")[1] ?? "", 16);
    if (port(local) === localPort && port(remote) === remotePort) {
      return Number.parseInt(queues?.split(":")[1] ?? "", 16);
    }
  }
  return null;
}

describe("accept()", () => {
  // As in C, a client nobody has accepted yet is not read: its bytes wait in the kernel (Recv-Q).
  it("leaves a waiting client's bytes in the kernel until accept()", async () => {
    const c = await client();
    await c.send("x".repeat(1000));
    await sleep(100); // time enough for Node to read them, if it were going to
    const before = unreadInKernel(listener.port, c.socket.localPort ?? 0);
    if (before === null) return; // no /proc/net/tcp on this system
    expect(before).toBe(1000);
    const conn = await accept();
    let got = 0;
    while (got < 1000) got += (await read(conn, 4096)).length;
    expect(unreadInKernel(listener.port, c.socket.localPort ?? 0)).toBe(0);
  });

  // Clients that connect before anyone calls accept() wait, and are handed out in arrival order.
  it("queues waiting clients in order", async () => {
    const names = ["first", "second", "third"];
    for (const name of names) {
      const c = await client();
      await c.send(name);
    }
    for (const name of names) {
      const conn = await accept();
      expect((await read(conn, 4096)).toString()).toBe(name);
      conn.close();
    }
  });

  // An accept() called before anyone connects wakes when a client arrives.
  it("waits for a client", async () => {
    const pending = accept();
    const c = await client();
    const conn = await pending;
    await c.send("hello");
    expect((await read(conn, 4096)).toString()).toBe("hello");
  });

  // Each accepted connection has the client's address as its peer.
  it("names the peer", async () => {
    const c = await client();
    const conn = await accept();
    expect(conn.peer).toBe(`127.0.0.1:${c.socket.localPort}`);
  });

  // Closing the listener wakes a pending accept() with null, and later calls return null too.
  it("returns null after close()", async () => {
    const pending = listener.accept();
    await listener.close();
    expect(await withTimeout(pending, 5_000, "pending accept()")).toBeNull();
    expect(await withTimeout(listener.accept(), 5_000, "accept() after close")).toBeNull();
  });
});

describe("close()", () => {
  // Closing the listener also closes the connection being served and any still waiting.
  it("ends handed-out and waiting connections", async () => {
    const served = await client();
    const conn = await accept();
    const waiting = await client();
    await sleep(50); // let the second connection reach the queue
    await listener.close();
    expect(["eof", "reset"]).toContain(await served.ended(5_000));
    expect(["eof", "reset"]).toContain(await waiting.ended(5_000));
    // The server side learns that the end came from its own side, not from the client.
    await expect(read(conn, 10)).rejects.toBeInstanceOf(ShutdownError);
  });

  // A read() already waiting when the listener closes wakes with ShutdownError, not EOF.
  it("wakes a waiting read() with ShutdownError", async () => {
    await client();
    const conn = await accept();
    const pending = conn.read(10).catch((err: unknown) => err);
    await sleep(20);
    await listener.close();
    expect(await withTimeout(pending, 5_000, "read() after close")).toBeInstanceOf(ShutdownError);
  });

  // After close() nobody can connect: the port is released.
  it("stops listening", async () => {
    await listener.close();
    await expect(openClient(listener.port)).rejects.toSatisfy(
      (err: unknown) => errorCode(err) === "ECONNREFUSED",
    );
  });

  // conn.close() can be called twice; the peer sees the connection end.
  it("closes one connection, safely twice", async () => {
    const c = await client();
    const conn = await accept();
    conn.close();
    conn.close();
    expect(["eof", "reset"]).toContain(await c.ended(5_000));
  });
});

describe("connect()", () => {
  // The client side of the stand-in talks to a listener like any TCP client.
  it("connects, writes, half-closes and reads to EOF", async () => {
    const pending = accept();
    const conn = await connect("127.0.0.1", listener.port);
    const server = await pending;
    await conn.write(Buffer.from("ping"));
    await conn.shutdownWrite();
    expect((await read(server, 4096)).toString()).toBe("ping");
    expect((await read(server, 4096)).length).toBe(0);
    await server.write(Buffer.from("pong"));
    server.close();
    const got = await readToEof(conn);
    expect(got).toBe("pong");
    conn.close();
  });

  // Nobody listening: the friendly ConnectionRefusedError, naming the address.
  it("rejects with ConnectionRefusedError when nobody listens", async () => {
    const port = listener.port;
    await listener.close();
    const error = await connect("127.0.0.1", port).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ConnectionRefusedError);
    expect((error as Error).message).toContain(`127.0.0.1:${port}`);
  });
});
