// Conn: what the server remembers about one client between events.
//
// A blocking server (phases 1 and 2) keeps this state in local variables of
// the function serving the client, and the function's place in its loop
// says what it is doing ("waiting for the header", "writing the reply").
// An event loop serves every client from one thread, a few steps at a time,
// so nothing can wait inside a function: the state moves into this object,
// and each event looks at it to decide what to do next. It is the book's
// `struct Conn`, field for field.
import type { Socket } from "node:net";
import { hostPort } from "@rah/core";
import { ByteQueue } from "./buffer.ts";

export interface Conn {
  /** The connection socket. In C this is the fd; Node wraps the fd in a Socket. */
  readonly socket: Socket;
  /** The client's address, "127.0.0.1:53422", for log lines. */
  readonly peer: string;
  /**
   * want_read: we would like to hear about incoming bytes. In C the loop
   * asks poll() for POLLIN only when this is set; here it maps to
   * socket.resume() (true) and socket.pause() (false).
   */
  wantRead: boolean;
  /**
   * want_write: replies are waiting that the kernel has not taken yet. In
   * C the loop asks poll() for POLLOUT whenever any are waiting; here Node
   * keeps the bytes and sends them itself, so this is set only when they
   * reach the cap (--max-queued), and cleared by 'drain', which Node emits
   * once they have all gone to the kernel.
   */
  wantWrite: boolean;
  /**
   * want_close: this connection is finished (the client said so, or broke
   * the protocol, or the server is stopping). In C the loop closes the fd
   * at the end of its turn; here closeConn() sends the queued replies,
   * then FIN, and releases the fd once the client has closed too.
   */
  wantClose: boolean;
  /** Bytes received and not answered yet: at most one unfinished request, between reads. */
  readonly incoming: ByteQueue;
  /**
   * Replies produced by the current read, not yet handed to the socket.
   * handleWrite() frames them and writes them all at once; what the kernel
   * does not take at once waits in Node's queue (socket.writableLength).
   * Together the two are the book's outgoing buffer.
   */
  readonly outgoing: Buffer[];
}

/** A new Conn for a socket accept() just returned: ready to read, nothing to write. */
export function createConn(socket: Socket): Conn {
  return {
    socket,
    peer: hostPort(socket.remoteAddress ?? "?", socket.remotePort ?? "?"),
    wantRead: true,
    wantWrite: false,
    wantClose: false,
    incoming: new ByteQueue(),
    outgoing: [],
  };
}
