// Key-value specs: what every phase from phase 4 on must do with the book's
// commands, checked over real TCP with hand-made bytes (BOOK.md, "The
// request", chapters 7 and 9). Written independently of any phase's code,
// so a bug there cannot hide itself here.
//
// Phases 4 and 5 answer with chapter 7's status replies; phase 6 and later
// with chapter 9's typed values. The same specs run against both, with the
// expected bytes chosen by `replies`.
import { type RawClient, sleep } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { useTarget } from "./fixtures.ts";
import { frame, header, readFrame } from "./frames.ts";
import type { Target } from "./target.ts";

export interface KvTarget extends Target {
  /** Which reply format the target speaks: chapter 7's status codes, or chapter 9's typed values. */
  replies: "status" | "typed";
}

/** A request payload: nstr, then each string with its u32 length (all little-endian). */
export function kvPayload(...args: (string | Uint8Array)[]): Buffer {
  const parts = args.map((a) => (typeof a === "string" ? Buffer.from(a) : Buffer.from(a)));
  const out = Buffer.alloc(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  out.writeUInt32LE(parts.length, 0);
  let at = 4;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** A whole request: the frame around kvPayload(...). */
export function kvRequest(...args: (string | Uint8Array)[]): Buffer {
  return frame(kvPayload(...args));
}

/** Chapter 7: `| status u32 | data |`. */
export function statusReply(status: number, data: string | Uint8Array = ""): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
  const out = Buffer.alloc(4 + body.length);
  out.writeUInt32LE(status, 0);
  body.copy(out, 4);
  return out;
}

/** Chapter 9's typed values, written out by hand. */
export const typed = {
  nil: (): Buffer => Buffer.from([0]),
  err: (code: number, message: string): Buffer => {
    const text = Buffer.from(message);
    const out = Buffer.alloc(9 + text.length);
    out[0] = 1;
    out.writeUInt32LE(code, 1);
    out.writeUInt32LE(text.length, 5);
    text.copy(out, 9);
    return out;
  },
  str: (data: string | Uint8Array): Buffer => {
    const body = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    const out = Buffer.alloc(5 + body.length);
    out[0] = 2;
    out.writeUInt32LE(body.length, 1);
    body.copy(out, 5);
    return out;
  },
  int: (n: bigint): Buffer => {
    const out = Buffer.alloc(9);
    out[0] = 3;
    out.writeBigInt64LE(n, 1);
    return out;
  },
  dbl: (x: number): Buffer => {
    const out = Buffer.alloc(9);
    out[0] = 4;
    out.writeDoubleLE(x, 1);
    return out;
  },
  arr: (...items: Buffer[]): Buffer => {
    const head = Buffer.alloc(5);
    head[0] = 5;
    head.writeUInt32LE(items.length, 1);
    return Buffer.concat([head, ...items]);
  },
};

/** The replies a target gives, in its own format, for the outcomes every phase shares. */
function expected(replies: KvTarget["replies"]) {
  const status = replies === "status";
  return {
    /** get of a key that holds `value`. */
    value: (value: string | Uint8Array) => (status ? statusReply(0, value) : typed.str(value)),
    /** get of a key that does not exist. */
    missing: () => (status ? statusReply(2) : typed.nil()),
    /** set. */
    stored: () => (status ? statusReply(0) : typed.nil()),
    /** del of a key that existed (`true`) or not. */
    deleted: (existed: boolean) =>
      status ? statusReply(0) : typed.int(existed ? BigInt(1) : BigInt(0)),
    /** Anything that is not a command with the right number of arguments. */
    unknown: () => (status ? statusReply(1) : typed.err(1, "unknown command.")),
  };
}

export function kvSpecs(target: KvTarget): void {
  describe(`${target.name}: key-value commands`, () => {
    const clients = useTarget(target);
    const reply = expected(target.replies);
    /** Sends one request (raw bytes) and returns the payload of its reply. */
    const ask = async (client: RawClient, request: Buffer) => {
      await client.send(request);
      return readFrame(client);
    };
    const hex = (bytes: Buffer) => bytes.toString("hex");

    // Shows: set, get (hit and miss) and del, each answered with the book's exact bytes.
    test("answers set, get and del with the book's replies", async () => {
      const c = await clients.open();
      expect(hex(await ask(c, kvRequest("get", "k1")))).toBe(hex(reply.missing()));
      expect(hex(await ask(c, kvRequest("set", "k1", "20")))).toBe(hex(reply.stored()));
      expect(hex(await ask(c, kvRequest("get", "k1")))).toBe(hex(reply.value("20")));
      expect(hex(await ask(c, kvRequest("del", "k1")))).toBe(hex(reply.deleted(true)));
      expect(hex(await ask(c, kvRequest("get", "k1")))).toBe(hex(reply.missing()));
      expect(hex(await ask(c, kvRequest("del", "k1")))).toBe(hex(reply.deleted(false)));
    });

    // Shows: the byte examples of the book, whole frames included.
    test("matches the byte examples of the book", async () => {
      const c = await clients.open();
      await ask(c, kvRequest("set", "k2", "20"));
      await c.send(kvRequest("get", "k2"));
      const hit = await c.read(target.replies === "status" ? 10 : 11);
      const miss = await ask(c, kvRequest("get", "no such key"));
      if (target.replies === "status") {
        expect(hex(hit)).toBe("06000000" + "00000000" + "3230");
        expect(hex(Buffer.concat([header(miss.length), miss]))).toBe("04000000" + "02000000");
      } else {
        expect(hex(hit)).toBe("07000000" + "02" + "02000000" + "3230");
        expect(hex(Buffer.concat([header(miss.length), miss]))).toBe("01000000" + "00");
        // del of a key that exists: INT 1.
        await c.send(kvRequest("del", "k2"));
        expect(hex(await c.read(13))).toBe("09000000" + "03" + "0100000000000000");
      }
      // `set k v`, as the book spells it out.
      expect(hex(kvRequest("set", "k", "v"))).toBe(
        "15000000" + "03000000" + "03000000736574" + "010000006b" + "0100000076",
      );
    });

    // Shows: one client's set is every client's get: the store is shared.
    test("shares keys between connections", async () => {
      const a = await clients.open();
      const b = await clients.open();
      await ask(a, kvRequest("set", "shared", "from a"));
      expect(hex(await ask(b, kvRequest("get", "shared")))).toBe(hex(reply.value("from a")));
    });

    // Shows: names are compared exactly (case included), arity is exact, and an empty command is unknown.
    test.each([
      ["an upper-case name", ["GET", "k"]],
      ["get with two keys", ["get", "a", "b"]],
      ["get with no key", ["get"]],
      ["set with no value", ["set", "k"]],
      ["set with one too many", ["set", "k", "v", "w"]],
      ["del with no key", ["del"]],
      ["a name nobody knows", ["flushall"]],
      ["nstr 0 (no strings at all)", []],
    ])("answers %s as an unknown command", async (_, args) => {
      const c = await clients.open();
      expect(hex(await ask(c, kvRequest(...args)))).toBe(hex(reply.unknown()));
      // And the connection goes on.
      expect(hex(await ask(c, kvRequest("get", "after-unknown")))).toBe(hex(reply.missing()));
    });

    // Shows: keys and values are bytes: NUL, 0xFF, invalid UTF-8, empty ones, all round-trip unchanged.
    test("keeps binary keys and values byte for byte", async () => {
      const c = await clients.open();
      const odd = [
        Buffer.from([0x00]),
        Buffer.from([0xff, 0xfe]),
        Buffer.from([0xc3, 0x28]), // invalid UTF-8
        Buffer.from([0xe2, 0x82, 0xac]), // a valid "€"
        Buffer.alloc(0),
      ];
      for (const key of odd) {
        for (const value of odd) {
          await ask(c, kvRequest("set", key, value));
          expect(hex(await ask(c, kvRequest("get", key)))).toBe(hex(reply.value(value)));
        }
      }
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ maxLength: 300 }),
          async (key, value) => {
            await ask(c, kvRequest("set", key, value));
            expect(hex(await ask(c, kvRequest("get", key)))).toBe(hex(reply.value(value)));
          },
        ),
        { numRuns: 50 },
      );
    });

    // Shows: a 1 MiB value goes in and comes back whole.
    test("stores and returns a 1 MiB value", async () => {
      const c = await clients.open();
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;
      await ask(c, kvRequest("set", "big", big));
      expect((await ask(c, kvRequest("get", "big"))).equals(reply.value(big))).toBe(true);
    });

    // Shows: 300 requests in one write are answered in order, each as if sent alone.
    test("answers a pipeline in one write, in order", async () => {
      const c = await clients.open();
      const requests: Buffer[] = [];
      const wanted: Buffer[] = [];
      for (let i = 0; i < 100; i++) {
        requests.push(kvRequest("set", `p${i}`, `value ${i}`), kvRequest("get", `p${i}`));
        wanted.push(reply.stored(), reply.value(`value ${i}`));
        requests.push(kvRequest("get", `p${i + 1}`));
        wanted.push(reply.missing());
      }
      await c.send(Buffer.concat(requests));
      for (const want of wanted) expect(hex(await readFrame(c))).toBe(hex(want));
    });

    // Shows: a request cut anywhere by TCP is put back together and answered once.
    test("answers a request that arrives in pieces", async () => {
      const c = await clients.open();
      const request = kvRequest("set", "pieces", "arrived in pieces");
      for (let i = 0; i < request.length; i++) {
        await c.send(request.subarray(i, i + 1));
        if (i % 7 === 0) await sleep(1);
      }
      expect(hex(await readFrame(c))).toBe(hex(reply.stored()));
      expect(hex(await ask(c, kvRequest("get", "pieces")))).toBe(
        hex(reply.value("arrived in pieces")),
      );
    });

    // Shows: 200,000 strings (the limit) is still a request: an unknown command, answered.
    test("takes a request of exactly 200,000 strings", async () => {
      const c = await clients.open();
      const payload = Buffer.alloc(4 + 200_000 * 4); // nstr, then 200,000 empty strings
      payload.writeUInt32LE(200_000, 0);
      expect(hex(await ask(c, frame(payload)))).toBe(hex(reply.unknown()));
    });

    // Each bad request: its bytes (after a good request in the same write), and what is wrong.
    const bad: [string, Buffer][] = [
      ["an empty payload (no nstr)", frame(Buffer.alloc(0))],
      ["a payload of 3 bytes", frame(Buffer.from([1, 0, 0]))],
      ["nstr over 200,000", frame(Buffer.from([0x41, 0x0d, 0x03, 0x00]))], // 200,001
      ["a string running past the end", frame(Buffer.from([1, 0, 0, 0, 100, 0, 0, 0, 0x61]))],
      ["a length cut short", frame(Buffer.from([2, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 0]))],
      ["bytes left over", frame(Buffer.concat([kvPayload("get", "k"), Buffer.from([0])]))],
      ["a frame over the 32 MiB limit", header(32 * 1024 * 1024 + 1)],
    ];
    // Shows: a bad request closes that connection, after the replies owed to the requests
    // before it, and costs nobody else anything.
    test.each(bad)("closes only its own connection on %s", async (_, request) => {
      const other = await clients.open();
      await ask(other, kvRequest("set", "bystander", "fine"));
      const c = await clients.open();
      await c.send(Buffer.concat([kvRequest("get", "bystander"), request]));
      expect(hex(await readFrame(c))).toBe(hex(reply.value("fine")));
      expect(await c.ended()).toBe("eof");
      expect(c.buffered()).toBe(0);
      expect(hex(await ask(other, kvRequest("get", "bystander")))).toBe(hex(reply.value("fine")));
    });
  });
}
