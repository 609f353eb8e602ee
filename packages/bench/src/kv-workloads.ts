// Workloads in the book's key-value format (phases 4 to 8; kv.ts has the
// bytes). Every reply is checked: what a request should get back is a pure
// function of the connection and the request's sequence number, so nothing
// is remembered per request.
//
//   kv-mix     each connection works on its own keys: round r of its keys
//              sets them (even r) or gets them back (odd r, expecting the
//              value set in round r - 1)
//   kv-insert  set a new key with every request (the phase 5 flood)
//   kv-probe   set one key, then get it again and again (the phase 5 probe)
//   zadd       add member n with score n to one sorted set (one connection)
//   zquery     the same zquery every time: `limit` elements from rank `offset`
//
// Replies: chapter 7's status replies ("status") or chapter 9's typed
// values ("typed"); a target declares which it speaks.
import { frameCodec } from "./codecs.ts";
import {
  describeTyped,
  STATUS_OK,
  TAG_ARR,
  TAG_DBL,
  TAG_INT,
  TAG_NIL,
  TAG_STR,
  writeDigits,
} from "./kv.ts";
import type { ConnWorkload, Workload } from "./workloads.ts";

export type KvReplies = "status" | "typed";

export type KvWorkloadSpec =
  | { kind: "kv-mix"; replies: KvReplies; keysPerConnection: number; valueSize: number }
  | { kind: "kv-insert"; replies: KvReplies; valueSize: number }
  | { kind: "kv-probe"; replies: KvReplies }
  | { kind: "zadd" }
  | { kind: "zquery"; offset: number; limit: number; members: number };

const KEY_SIZE = 17; // "key:" + 6 digits + ":" + 6 digits
const STAMP_SIZE = 23; // "v" + 6 + 6 + 10 digits

/** Writes a u32 length and then `text` (ASCII); returns where it ends. */
function writeString(out: Buffer, at: number, text: string): number {
  out.writeUInt32LE(text.length, at);
  out.write(text, at + 4, "latin1");
  return at + 4 + text.length;
}

/** Starts a request at out[start] with its nstr; returns where its first string goes. */
function begin(out: Buffer, start: number, nstr: number): number {
  out.writeUInt32LE(nstr, start + 4);
  return start + 8;
}

/** Ends the request begun at out[start]: fills in the frame's length; returns `end`. */
function finish(out: Buffer, start: number, end: number): number {
  out.writeUInt32LE(end - start - 4, start);
  return end;
}

/** The expected reply to a set: status OK, or NIL. */
function setReply(replies: KvReplies): Buffer {
  if (replies === "typed") return Buffer.from([TAG_NIL]);
  const out = Buffer.alloc(4);
  out.writeUInt32LE(STATUS_OK, 0);
  return out;
}

/** Writes the expected reply to a get that finds `value` into `out` at 0; returns its length. */
function writeGetReply(replies: KvReplies, out: Buffer, value: Buffer, size: number): number {
  if (replies === "typed") {
    out[0] = TAG_STR;
    out.writeUInt32LE(size, 1);
    value.copy(out, 5, 0, size);
    return 5 + size;
  }
  out.writeUInt32LE(STATUS_OK, 0);
  value.copy(out, 4, 0, size);
  return 4 + size;
}

/** "(status 0) 3230" or "(str) ...": a reply payload, for an error message. */
function describeReply(replies: KvReplies, buf: Buffer, start: number, end: number): string {
  if (replies === "typed") {
    return `${describeTyped(buf, start, end) ?? "a cut-short value"} [${end - start} bytes]`;
  }
  if (end - start < 4) return `${end - start} bytes, no status`;
  const data = buf.subarray(start + 4, Math.min(end, start + 4 + 24)).toString("latin1");
  return `[${buf.readUInt32LE(start)}] ${JSON.stringify(data)}${end - start > 28 ? "..." : ""}`;
}

function equal(buf: Buffer, start: number, end: number, want: Buffer, length: number): boolean {
  return end - start === length && buf.compare(want, 0, length, start, end) === 0;
}

/** A workload whose connections write requests and expect replies computed from (id, seq). */
function kvWorkload(
  label: string,
  maxRequest: number,
  maxReply: number,
  connection: (id: number) => ConnWorkload,
): Workload {
  return { codec: frameCodec, maxReply, maxRequest, label, connection };
}

export function createKvWorkload(spec: KvWorkloadSpec): Workload {
  switch (spec.kind) {
    case "kv-mix":
      return kvMix(spec.replies, spec.keysPerConnection, spec.valueSize);
    case "kv-insert":
      return kvInsert(spec.replies, spec.valueSize);
    case "kv-probe":
      return kvProbe(spec.replies);
    case "zadd":
      return zadd();
    case "zquery":
      return zquery(spec.offset, spec.limit, spec.members);
  }
}

function kvMix(replies: KvReplies, keys: number, valueSize: number): Workload {
  const size = Math.max(STAMP_SIZE, valueSize);
  const setRequest = 8 + (4 + 3) + (4 + KEY_SIZE) + (4 + size);
  const ok = setReply(replies);
  return kvWorkload(`get/set mix, ${size}-byte values`, setRequest, 5 + size, (id) => {
    const value = Buffer.alloc(size);
    for (let i = STAMP_SIZE; i < size; i++) value[i] = 0x61 + (i % 26);
    const want = Buffer.alloc(5 + size);
    /** Key i of this connection. */
    const writeKey = (out: Buffer, at: number, i: number) => {
      out.writeUInt32LE(KEY_SIZE, at);
      out.write("key:", at + 4, "latin1");
      writeDigits(out, at + 8, id, 6);
      out[at + 14] = 0x3a;
      writeDigits(out, at + 15, i, 6);
      return at + 4 + KEY_SIZE;
    };
    /** The value of key i after round r sets it. */
    const stamp = (i: number, r: number) => {
      value[0] = 0x76;
      writeDigits(value, 1, id, 6);
      writeDigits(value, 7, i, 6);
      writeDigits(value, 13, r, 10);
    };
    return {
      write(seq, out, at) {
        const i = seq % keys;
        const r = Math.floor(seq / keys);
        if (r % 2 === 0) {
          stamp(i, r);
          let p = writeString(out, begin(out, at, 3), "set");
          p = writeKey(out, p, i);
          out.writeUInt32LE(size, p);
          value.copy(out, p + 4);
          return finish(out, at, p + 4 + size);
        }
        return finish(out, at, writeKey(out, writeString(out, begin(out, at, 2), "get"), i));
      },
      check(seq, _outstanding, buf, start, end) {
        const r = Math.floor(seq / keys);
        if (r % 2 === 0) return equal(buf, start, end, ok, ok.length) ? 0 : -1;
        stamp(seq % keys, r - 1);
        const length = writeGetReply(replies, want, value, size);
        return equal(buf, start, end, want, length) ? 0 : -1;
      },
      explain(seq, buf, start, end) {
        const i = seq % keys;
        const r = Math.floor(seq / keys);
        const op = r % 2 === 0 ? "set" : "get";
        let expected: string;
        if (op === "set") expected = describeReply(replies, ok, 0, ok.length);
        else {
          stamp(i, r - 1);
          expected = describeReply(replies, want, 0, writeGetReply(replies, want, value, size));
        }
        return `reply ${seq} (${op} of key ${i}) was ${describeReply(replies, buf, start, end)}, expected ${expected}`;
      },
    };
  });
}

function kvInsert(replies: KvReplies, valueSize: number): Workload {
  const ok = setReply(replies);
  const keySize = 14; // "ins:" + 10 digits
  const value = Buffer.alloc(valueSize, 0x78);
  return kvWorkload(
    `inserts of ${valueSize}-byte values`,
    8 + (4 + 3) + (4 + keySize) + (4 + valueSize),
    ok.length,
    (id) => ({
      write(seq, out, at) {
        let p = writeString(out, begin(out, at, 3), "set");
        out.writeUInt32LE(keySize, p);
        out.write("ins:", p + 4, "latin1");
        // Keys of connection `id` never meet another connection's.
        writeDigits(out, p + 8, seq * 16 + (id % 16), 10);
        p += 4 + keySize;
        out.writeUInt32LE(valueSize, p);
        value.copy(out, p + 4);
        return finish(out, at, p + 4 + valueSize);
      },
      check: (_seq, _outstanding, buf, start, end) =>
        equal(buf, start, end, ok, ok.length) ? 0 : -1,
      explain: (seq, buf, start, end) =>
        `reply ${seq} (set of a new key) was ${describeReply(replies, buf, start, end)}, expected ${describeReply(replies, ok, 0, ok.length)}`,
    }),
  );
}

function kvProbe(replies: KvReplies): Workload {
  const ok = setReply(replies);
  const size = 32;
  return kvWorkload("a get of one key", 8 + 7 + (4 + 12) + (4 + size), 5 + size, (id) => {
    const key = Buffer.from(`probe:${String(id).padStart(6, "0")}`);
    const value = Buffer.from(`probe-value-${String(id).padStart(6, "0")}`.padEnd(size, "."));
    const want = Buffer.alloc(5 + size);
    const wantLength = writeGetReply(replies, want, value, size);
    return {
      write(seq, out, at) {
        // First set the key, then get it back with every request.
        let p = writeString(out, begin(out, at, seq === 0 ? 3 : 2), seq === 0 ? "set" : "get");
        out.writeUInt32LE(key.length, p);
        key.copy(out, p + 4);
        p += 4 + key.length;
        if (seq > 0) return finish(out, at, p);
        out.writeUInt32LE(size, p);
        value.copy(out, p + 4);
        return finish(out, at, p + 4 + size);
      },
      check(seq, _outstanding, buf, start, end) {
        if (seq === 0) return equal(buf, start, end, ok, ok.length) ? 0 : -1;
        return equal(buf, start, end, want, wantLength) ? 0 : -1;
      },
      explain(seq, buf, start, end) {
        const expected = seq === 0 ? ok : want.subarray(0, wantLength);
        return `reply ${seq} (${seq === 0 ? "set" : "get"} ${key}) was ${describeReply(replies, buf, start, end)}, expected ${describeReply(replies, expected, 0, expected.length)}`;
      },
    };
  });
}

/** "m" and 9 digits: member n's name. */
function memberName(n: number): string {
  return `m${String(n).padStart(9, "0")}`;
}

function zadd(): Workload {
  const added = Buffer.alloc(9);
  added[0] = TAG_INT;
  added.writeBigInt64LE(1n, 1);
  return kvWorkload("zadd of new members", 8 + 8 + 8 + (4 + 16) + (4 + 10), 9, (id) => {
    if (id !== 0) throw new RangeError("zadd numbers members by sequence: one connection only");
    return {
      write(seq, out, at) {
        let p = writeString(out, begin(out, at, 4), "zadd");
        p = writeString(out, p, "zset");
        let digits = 1;
        for (let v = seq; v >= 10; v = Math.floor(v / 10)) digits++;
        out.writeUInt32LE(digits, p);
        writeDigits(out, p + 4, seq, digits);
        p += 4 + digits;
        out.writeUInt32LE(10, p);
        out[p + 4] = 0x6d;
        writeDigits(out, p + 5, seq, 9);
        return finish(out, at, p + 14);
      },
      check: (_seq, _outstanding, buf, start, end) => (equal(buf, start, end, added, 9) ? 0 : -1),
      explain: (seq, buf, start, end) =>
        `reply ${seq} (zadd zset ${seq} ${memberName(seq)}) was ${describeReply("typed", buf, start, end)}, expected (int) 1 [9 bytes]`,
    };
  });
}

function zquery(offset: number, limit: number, members: number): Workload {
  const args = ["zquery", "zset", "0", "", String(offset), String(limit)];
  // The pairs from rank `offset`: the array stops once it holds `limit` elements.
  const pairs = Math.max(0, Math.min(Math.ceil(limit / 2), members - offset));
  const parts: Buffer[] = [Buffer.from([TAG_ARR, 0, 0, 0, 0])];
  parts[0]?.writeUInt32LE(pairs * 2, 1);
  for (let n = offset; n < offset + pairs; n++) {
    const name = Buffer.from(memberName(n));
    const str = Buffer.alloc(5 + name.length);
    str[0] = TAG_STR;
    str.writeUInt32LE(name.length, 1);
    name.copy(str, 5);
    const dbl = Buffer.alloc(9);
    dbl[0] = TAG_DBL;
    dbl.writeDoubleLE(n, 1);
    parts.push(str, dbl);
  }
  const want = Buffer.concat(parts);
  const request = Buffer.alloc(8 + args.reduce((n, a) => n + 4 + a.length, 0));
  let p = begin(request, 0, args.length);
  for (const a of args) p = writeString(request, p, a);
  finish(request, 0, p);
  return kvWorkload(`zquery at offset ${offset}`, request.length, want.length, () => ({
    write(_seq, out, at) {
      request.copy(out, at);
      return at + request.length;
    },
    check: (_seq, _outstanding, buf, start, end) =>
      equal(buf, start, end, want, want.length) ? 0 : -1,
    explain: (seq, buf, start, end) =>
      `reply ${seq} (${args.join(" ")}) was ${describeReply("typed", buf, start, end)}, expected (arr) len=${pairs * 2} [${want.length} bytes]`,
  }));
}
