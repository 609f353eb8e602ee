// The outgoing buffer: where replies are written, byte after byte, before
// they are sent. The book's chapter 9 makes it a growable byte array
// (`typedef std::vector<uint8_t> Buffer`) and appends to its end; a
// std::vector doubles its memory when it is full, so appending n bytes one
// piece at a time costs O(n) in all ("amortised O(1)" per byte).
//
// A Node Buffer has a fixed size, so this class does the vector's job: it
// keeps a Buffer with spare room at the end and a length saying how much is
// used, and when a write does not fit it moves to one twice as big.
//
// Two things the book's serialization needs beyond appending:
//   - patching a number written earlier (an array's count, the frame's
//     length), known only once what follows it has been written;
//   - cutting back to an earlier length (a reply that turned out too big
//     is thrown away and replaced by an error).

/** Room of a new buffer's first block: most replies are small. */
const FIRST_CAPACITY = 256;

/** An empty buffer's memory: shared, nothing is ever written to it. */
const EMPTY = Buffer.alloc(0);

export class OutBuffer {
  // The bytes written are #data[0 .. #length); the rest is spare room.
  #data: Buffer = EMPTY;
  #length = 0;

  /** Bytes written so far. Also a mark: truncate(mark) returns to this point. */
  get length(): number {
    return this.#length;
  }

  /** Bytes the current memory can hold before it must grow (for tests and curiosity). */
  get capacity(): number {
    return this.#data.length;
  }

  /** The bytes written, as a view (no copy). Valid until the next write, truncate or clear. */
  bytes(): Buffer {
    return this.#data.subarray(0, this.#length);
  }

  /**
   * The bytes written, handed over: the caller owns them, and this buffer
   * starts again empty, in new memory. This is what a server sends: Node's
   * socket.write() keeps a reference to the bytes until the kernel has
   * taken them, so they must not be written over afterwards.
   */
  take(): Buffer {
    const bytes = this.bytes();
    this.#data = EMPTY;
    this.#length = 0;
    return bytes;
  }

  /** Forgets every byte written since `mark` (an earlier `length`). */
  truncate(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > this.#length) {
      throw new RangeError(`cannot truncate ${this.#length} bytes to ${mark}`);
    }
    this.#length = mark;
  }

  /** Appends one byte (a tag). */
  u8(value: number): void {
    const at = this.#grow(1);
    this.#data[at] = value;
  }

  /** Appends an unsigned 32-bit little-endian integer (a length, a count, an error code). */
  u32(value: number): void {
    const at = this.#grow(4);
    this.#data.writeUInt32LE(value, at);
  }

  /** Appends a signed 64-bit little-endian integer. */
  i64(value: bigint): void {
    const at = this.#grow(8);
    this.#data.writeBigInt64LE(value, at);
  }

  /**
   * Appends a safe integer (|n| < 2^53) as a signed 64-bit little-endian
   * integer, without making a BigInt: the low 32 bits, then the high 32
   * bits (two's complement, so -1 is eight 0xFF bytes).
   */
  i64FromNumber(value: number): void {
    const at = this.#grow(8);
    // `>>> 0` keeps the low 32 bits of any integer as an unsigned number;
    // the floor of value / 2^32 is the high word, negative for a negative value.
    this.#data.writeUInt32LE(value >>> 0, at);
    this.#data.writeInt32LE(Math.floor(value / 2 ** 32), at + 4);
  }

  /** Appends a double: its 8 IEEE-754 bytes, little-endian. */
  f64(value: number): void {
    const at = this.#grow(8);
    this.#data.writeDoubleLE(value, at);
  }

  /**
   * Appends raw bytes: a byte string (one char per byte, see
   * parseRequest) or a Uint8Array. One copy, straight into place.
   */
  append(data: string | Uint8Array): void {
    const at = this.#grow(data.length);
    // "latin1" writes each char as the byte it stands for, in one native
    // call: no per-char loop in JavaScript, no temporary Buffer.
    if (typeof data === "string") this.#data.write(data, at, "latin1");
    else this.#data.set(data, at);
  }

  /** Overwrites the u32 at `at` (reserved earlier with u32(0)). */
  patchU32(at: number, value: number): void {
    if (!Number.isInteger(at) || at < 0 || at + 4 > this.#length) {
      throw new RangeError(`no u32 written at byte ${at} of ${this.#length}`);
    }
    this.#data.writeUInt32LE(value, at);
  }

  /** The byte at `at`, for checks such as "is this an array's tag?". */
  byteAt(at: number): number | undefined {
    return at >= 0 && at < this.#length ? this.#data[at] : undefined;
  }

  /**
   * Makes room for `n` more bytes and returns where they go. When the
   * memory is full it moves to a block at least twice as big, copying
   * what was written: each byte is copied O(1) times on average however
   * the reply grows (the doubling std::vector does too).
   */
  #grow(n: number): number {
    const at = this.#length;
    const needed = at + n;
    if (needed > this.#data.length) {
      const capacity = Math.max(needed, 2 * this.#data.length, FIRST_CAPACITY);
      // allocUnsafe: no zeroing, every byte below #length is written
      // before it is read.
      const data = Buffer.allocUnsafe(capacity);
      this.#data.copy(data, 0, 0, at);
      this.#data = data;
    }
    this.#length = needed;
    return at;
  }
}
