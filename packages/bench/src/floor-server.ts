// The floor: the smallest correct Node server for the frame protocol.
//
// No logging, no length limit, no backpressure cap, no per-connection state
// beyond the bytes of an unfinished frame, and Nagle's algorithm off (as
// Redis and phase 3 do: a small reply goes out at once, not after an ACK): whatever the teaching servers do
// on top of this is the price of their safety rails, and the bench reports
// it as their ratio to this server.
//
// It still handles the protocol correctly: frames split across reads are
// joined, and every whole frame in a read is answered (pipelining). An echo's
// reply is its request byte for byte, so the replies to all the whole frames
// in the buffer are the buffer itself up to the end of the last one: one
// write per read, no copy.
import net from "node:net";

export interface FloorServer {
  readonly port: number;
  close(): Promise<void>;
}

export function startFloorServer(host: string, port: number): Promise<FloorServer> {
  return listenFloor(host, port, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let end = 0;
      while (buf.length - end >= 4) {
        const next = end + 4 + buf.readUInt32LE(end);
        if (next > buf.length) break;
        end = next;
      }
      if (end > 0) socket.write(buf.subarray(0, end));
      pending = buf.subarray(end);
    });
  });
}

/**
 * What both floors share: listen on host:port with Nagle's algorithm off,
 * hand each connection to `serve`, drop a reset peer quietly, and close
 * every connection on close().
 */
export function listenFloor(
  host: string,
  port: number,
  serve: (socket: net.Socket) => void,
): Promise<FloorServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    // A reset peer is not our problem; without a listener it would crash us.
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
    serve(socket);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, backlog: 511 }, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
