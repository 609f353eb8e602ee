// readFull and writeAll: the book's read_full() and write_all().
//
// A frame says "the next 4 bytes are a length" and "the next N bytes are the
// payload". But read() returns *up to* the bytes asked for, and in C write()
// sends *up to* the bytes given. Framing needs "exactly n", so these two
// helpers loop until exactly n bytes have moved (or the peer has gone).
//
// Why can one call move fewer bytes than asked? The causes, and which of them
// a Node program can actually meet:
//
//   cause                                  read  write  in Node
//   less data (read) or room (write)       yes   yes*   read: yes, the usual case (see readFull)
//     in the socket buffer
//   a signal interrupts the call (EINTR)   yes   yes    no: libuv retries, JS never sees it
//   non-blocking mode (EAGAIN)             yes   yes    no: libuv waits for readiness, then retries
//   limited pipe/file/device buffers       yes   yes    read: yes, socket buffers are bounded too
//   end of file                            yes   -      yes: read() returns 0 bytes (see readFull)
//   the output buffer is full              -     yes*   hidden: Node queues the rest (see writeAll)
//   TCP flow control (slow receiver)       -     yes*   hidden: Node queues the rest (see writeAll)
//
//   * a write moves less than asked only on a non-blocking socket, or when
//     a signal or a send timeout cuts it short; a blocking write() sleeps
//     until the kernel has room for everything (see writeAll).
//
// So in Node the read side still needs its loop; the write side's loop
// exists, but inside Node, where JavaScript cannot see it.
import type { Connection } from "@rah/core";

/**
 * Reads exactly `n` bytes, calling read() as often as it takes.
 *
 * Returns fewer than `n` bytes only if the peer closed the connection (EOF)
 * first: an empty buffer if the EOF came before any byte. The caller decides
 * whether that EOF was expected (between frames) or not (inside one).
 */
export async function readFull(conn: Connection, n: number): Promise<Buffer> {
  // One buffer of the final size, filled from the front, like the C version
  // moving its `buf` pointer forward. The caller has already checked `n`
  // against the limit, so this allocation is bounded. The book reads into
  // one buffer on the stack, reused for every request; here each frame gets
  // a new one, which the garbage collector frees once the reply is sent.
  // It costs an allocation per request, and makes the payload safe to keep.
  const buf = Buffer.alloc(n);
  let got = 0;
  while (got < n) {
    // Ask for what is still missing, never more: any extra bytes belong to
    // the next frame, and must stay in the connection for the next call.
    //
    // read() returns as soon as *some* bytes are there, and how many is up
    // to TCP, not to the sender: a 4096-byte message may arrive as 1448 +
    // 2648 bytes (the network cut it into segments), or trickle in byte by
    // byte from a slow client. The buffers on the way are bounded too: the
    // kernel's socket receive buffer, and Node's, which libuv fills from the
    // kernel at most 64 KiB at a time; a big message takes several reads
    // even when all of it has already arrived.
    //
    // In C this loop must also retry when read() fails with EINTR (a signal
    // arrived while it was waiting). libuv retries that for us, and a Node
    // signal handler runs later, on the event loop, never in the middle of
    // a call. Node's sockets are also always non-blocking underneath: where
    // C would see EAGAIN, libuv waits for the socket to become readable, and
    // `await` is where this function sleeps meanwhile.
    const bytes = await conn.read(n - got);

    // Zero bytes is EOF: the peer sent FIN and nothing more will come. Stop
    // here and let the caller see the short buffer. (The book's read_full
    // returns -1 for this; the caller then checks errno to tell EOF from a
    // real error. In Node a real error, like ECONNRESET, is thrown instead.)
    if (bytes.length === 0) return buf.subarray(0, got);

    bytes.copy(buf, got);
    got += bytes.length;
  }
  return buf;
}

/**
 * Writes every byte of `bytes`, resolving once all of them are handed to the
 * kernel. Rejects if the connection breaks first (EPIPE, ECONNRESET).
 *
 * The C version loops because write() may take only part of the buffer:
 *
 *   while (n > 0) { ssize_t rv = write(fd, buf, n); if (rv <= 0) return -1; n -= rv; buf += rv; }
 *
 * When does it? On a blocking socket, Linux's write() does not return
 * early because the kernel's send buffer is full: it sleeps until every
 * byte is queued. A short count comes only from a signal arriving after
 * some bytes moved (the call returns what it did), from a send timeout
 * (SO_SNDTIMEO), or from a non-blocking socket, which takes what fits and
 * returns at once. The buffer fills when the receiver reads slowly: TCP flow
 * control (the receiver advertises how much room it has left, and the
 * sender stops when that reaches zero). The loop costs nothing when the
 * first write takes everything, so careful C code always has it.
 */
export async function writeAll(conn: Connection, bytes: Uint8Array): Promise<void> {
  // In Node that loop runs inside libuv: socket.write() queues the whole
  // buffer, libuv writes as much as the kernel takes, keeps the rest, waits
  // for the socket to be writable (POLLOUT), and carries on. Core's write()
  // resolves only when the last byte went out, so one call is the whole
  // loop, and a partial write is never visible from JavaScript. What *is*
  // visible is the queue: phase 3 watches it grow (write() returning false)
  // to stop reading from a client that does not read its replies.
  await conn.write(bytes);
}
