// The incoming buffer of a connection: bytes that arrived and are not
// answered yet. The book keeps them in one growing array, appends at the
// back (buf_append) and erases answered requests from the front
// (buf_consume, a memmove of everything behind them). Erasing from the front
// costs O(bytes left), so a pipeline of n requests in one read costs O(n^2).
//
// This queue never moves bytes to consume them: it keeps a start offset into
// its memory, and consuming a request only moves that offset. Bytes are
// copied once when they arrive, and only if older bytes are still waiting
// (a request cut in two by TCP). So the cost of a read is proportional to
// its size, however many requests it holds.
//
// It also never writes over bytes it has handed out, so a request's payload
// can be queued as its reply as a view, without a copy. In C that would be
// unsafe: the next read() writes into the same buffer. It is safe here for
// two reasons: Node hands every 'data' event a fresh Buffer of its own
// (libuv reads into new memory each time, it never reuses a chunk it gave
// away), and this queue, when it needs room, takes new memory instead of
// reusing old (see append). The garbage collector frees a chunk once no
// view of it is left.

/** The empty queue's memory: shared, since nothing is ever written to it. */
const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  // The bytes waiting are #data[#start .. #end). Room after #end is free for
  // appends only when #owned: a chunk adopted from Node is never written to.
  #data: Buffer = EMPTY;
  #start = 0;
  #end = 0;
  #owned = false;
  // How big the waiting bytes are known to grow (see reserve), or 0.
  #reserved = 0;

  /** How many bytes are waiting. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** How many bytes of memory the queue holds, waiting bytes and room behind them. */
  get capacity(): number {
    return this.#data.length - this.#start;
  }

  /**
   * The waiting bytes, as a view (no copy). Valid until the next append;
   * views of it taken before then keep their bytes for good.
   */
  bytes(): Buffer {
    return this.#data.subarray(this.#start, this.#end);
  }

  /**
   * buf_append: add bytes that just arrived at the back. Three cases, from
   * the cheapest: nothing waiting (keep the chunk itself), room behind the
   * waiting bytes in memory we own (copy the chunk in), or no room (new
   * memory for both).
   */
  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.#start === this.#end) {
      // Nothing is waiting: adopt the chunk itself, no copy. This is the
      // common case, a read that ends on a request boundary.
      this.#data = chunk;
      this.#start = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    if (this.#owned && this.#data.length - this.#end >= chunk.length) {
      // Room behind the waiting bytes: copy the chunk in.
      chunk.copy(this.#data, this.#end);
      this.#end += chunk.length;
      return;
    }
    // No room: new memory for the waiting bytes plus the chunk, at least
    // twice what is waiting, so a big request arriving in many small reads
    // is copied O(log n) times in all (about twice its size), not once per
    // read. Never more than twice what has actually arrived, though, even
    // when the request's header announced more (see reserve): the length
    // in a header is a claim made by the client, and memory must follow the
    // bytes a client really sends, not the ones it promises. The old memory
    // is never written again: views of it handed out earlier (request
    // payloads queued as replies) stay valid.
    const waiting = this.#end - this.#start;
    const needed = waiting + chunk.length;
    const doubled = Math.max(needed, 2 * waiting);
    const size = this.#reserved >= needed ? Math.min(this.#reserved, doubled) : doubled;
    const data = Buffer.allocUnsafe(size);
    this.#data.copy(data, 0, this.#start, this.#end);
    chunk.copy(data, waiting);
    this.#data = data;
    this.#start = 0;
    this.#end = waiting + chunk.length;
    this.#owned = true;
  }

  /**
   * Announces that the waiting bytes will grow to `size` (a request whose
   * header says how long it is): growing memory then stops at exactly that
   * size instead of overshooting it. It allocates nothing, and never lets
   * memory run ahead of the bytes that arrive: a header announcing 32 MiB
   * followed by ten bytes costs tens of bytes, not 32 MiB. (Redis's
   * CVE-2021-32675 was a server that sized its buffers by what clients
   * announced: many connections, each claiming a big request, and the
   * memory was gone before a byte of it arrived.)
   */
  reserve(size: number): void {
    this.#reserved = size;
  }

  /** buf_consume: drop `n` bytes from the front. O(1): only the offset moves. */
  consume(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.length) {
      throw new RangeError(`cannot consume ${n} of ${this.length} waiting bytes`);
    }
    this.#start += n;
    // A reservation was for the request at the front, which may be gone.
    if (n > 0) this.#reserved = 0;
    // Empty again: let go of the memory, so an idle connection holds none.
    if (this.#start === this.#end) this.clear();
  }

  /** Drops everything (the connection is closing). */
  clear(): void {
    this.#data = EMPTY;
    this.#start = 0;
    this.#end = 0;
    this.#owned = false;
    this.#reserved = 0;
  }
}
