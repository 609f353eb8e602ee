// Throwaway TCP peers for tests: a server on 127.0.0.1 whose behaviour the
// test decides (to misbehave on purpose), and a port nothing listens on.
import net from "node:net";

export interface TestServer {
  readonly port: number;
  /** Destroys every connection it accepted, then stops listening. */
  close(): Promise<void>;
}

/** Listens on 127.0.0.1, port 0; every connection goes to `onConnection` (none: accept and hold). */
export async function startTestServer(
  onConnection: (socket: net.Socket) => void = () => {},
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    // A peer that resets is expected here; an unhandled 'error' would crash the test run.
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("no address");
  return {
    port: address.port,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on: bound for a moment, then released. */
export async function unusedPort(): Promise<number> {
  const server = await startTestServer();
  await server.close();
  return server.port;
}
