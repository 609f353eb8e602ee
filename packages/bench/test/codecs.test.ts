import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Codec,
  type CodecName,
  codecFor,
  frameCodec,
  ProtocolError,
  ReplyReader,
  respCodec,
} from "../src/codecs.ts";

/** Replies as the server would send them: the frame echo, or Redis's bulk string. */
function reply(codec: Codec, payload: Buffer): Buffer {
  if (codec.name === "frame") return codec.encodeRequest(payload).bytes;
  return Buffer.concat([Buffer.from(`$${payload.length}\r\n`), payload, Buffer.from("\r\n")]);
}

/** Feeds `chunks` to a reader and returns every payload (as hex) or error it decodes. */
function decodeAll(name: CodecName, chunks: Buffer[], max = 1 << 20): string[] {
  const reader = new ReplyReader(codecFor(name), max);
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (let d = reader.next(); d; d = reader.next()) {
      out.push(
        d.kind === "payload"
          ? reader.buffer.subarray(d.start, d.end).toString("hex")
          : `error:${d.message}`,
      );
    }
  }
  return out;
}

/** Cuts `bytes` at the given offsets. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

const payloads = [
  Buffer.from("hello"),
  Buffer.alloc(0),
  Buffer.from([0, 13, 10, 255, 36]),
  Buffer.alloc(300, 7),
];

describe.each(["frame", "resp"] as const)("%s replies", (name) => {
  const codec = codecFor(name);
  const stream = Buffer.concat(payloads.map((p) => reply(codec, p)));
  const want = payloads.map((p) => p.toString("hex"));

  // Several replies in one chunk all come out, in order.
  it("decodes a whole stream", () => {
    expect(decodeAll(name, [stream])).toEqual(want);
  });

  // One byte at a time: nothing is decoded early, nothing is lost.
  it("decodes byte by byte", () => {
    expect(
      decodeAll(
        name,
        [...stream].map((b) => Buffer.from([b])),
      ),
    ).toEqual(want);
  });

  // Any split of the stream decodes to the same replies.
  it("decodes any split the same way", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(decodeAll(name, split(stream, cuts))).toEqual(want);
      }),
    );
  });

  // The caller may reuse its read buffer after keep(): an unfinished reply survives it.
  it("keeps an unfinished reply when the read buffer is reused", () => {
    const reader = new ReplyReader(codec, 1 << 20);
    const shared = Buffer.alloc(stream.length);
    const out: string[] = [];
    let at = 0;
    for (const end of [3, 11, 20, stream.length]) {
      // The next read lands in the same memory, overwriting the last one.
      const n = stream.copy(shared, 0, at, end);
      reader.push(shared.subarray(0, n));
      for (let d = reader.next(); d; d = reader.next()) {
        if (d.kind === "payload") out.push(reader.buffer.subarray(d.start, d.end).toString("hex"));
      }
      reader.keep();
      shared.fill(0xee);
      at = end;
    }
    expect(out).toEqual(want);
  });

  // A length beyond what the load generator expects is rejected from the header alone.
  it("rejects an oversized length without waiting for the payload", () => {
    const header = reply(codec, Buffer.alloc(100)).subarray(0, name === "frame" ? 4 : 6);
    expect(() => decodeAll(name, [header], 99)).toThrow(ProtocolError);
  });
});

describe("requests", () => {
  // The frame request is the 4-byte little-endian length, then the payload.
  it("frames a payload", () => {
    const { bytes, payloadOffset } = frameCodec.encodeRequest(Buffer.from("abc"));
    expect(bytes).toEqual(Buffer.from([3, 0, 0, 0, 0x61, 0x62, 0x63]));
    expect(payloadOffset).toBe(4);
  });

  // The RESP request is PING with the payload as its argument.
  it("sends PING <payload> as a RESP array", () => {
    const { bytes, payloadOffset } = respCodec.encodeRequest(Buffer.from("abc"));
    expect(bytes.toString("latin1")).toBe("*2\r\n$4\r\nPING\r\n$3\r\nabc\r\n");
    expect(bytes.subarray(payloadOffset, payloadOffset + 3).toString()).toBe("abc");
  });
});

describe("RESP replies", () => {
  // +PONG, -ERR and nil are told apart from a bulk payload.
  it("reads simple strings, errors and nil", () => {
    expect(decodeAll("resp", [Buffer.from("+PONG\r\n-ERR wrong\r\n$-1\r\n")])).toEqual([
      Buffer.from("PONG").toString("hex"),
      "error:ERR wrong",
      "error:nil reply",
    ]);
  });

  // Bytes that are no RESP reply are a protocol error, not a hang.
  it("rejects an unknown type byte and a bad bulk ending", () => {
    expect(() => decodeAll("resp", [Buffer.from("!oops\r\n")])).toThrow(ProtocolError);
    expect(() => decodeAll("resp", [Buffer.from("$2\r\nabXY")])).toThrow(ProtocolError);
  });
});
