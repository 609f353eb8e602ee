// What the load generator sends, and how it knows a reply is right.
//
// A workload is named by a plain object (a WorkloadSpec, so it can travel to
// the load generator's process as JSON) and built here into one object per
// connection that writes request number `seq` and checks the reply to it.
// The reply's boundaries come from the protocol's codec (codecs.ts); the
// workload judges its content.
//
//   echo   frame: the payload comes back as it went (phases 2 and 3, the floor)
//          resp:  PING <payload> answers <payload> (real Redis)
//   kv-*, zadd, zquery: the book's requests and replies, phases 4 to 8
//          (kv-workloads.ts)
//
// To add a protocol or a kind of request: a codec in codecs.ts if the
// replies are framed differently, a spec and a builder here.
import { type Codec, type CodecName, codecFor } from "./codecs.ts";
import { createKvWorkload, type KvWorkloadSpec } from "./kv-workloads.ts";

export type WorkloadSpec =
  | { kind: "echo"; protocol: "frame" | "resp"; payloadSize: number }
  | KvWorkloadSpec;

/** The result of checking a reply: 0 right; k > 0 it answers request seq + k; -1 wrong. */
export type Check = number;

/** One connection's side of a workload. */
export interface ConnWorkload {
  /** Writes request `seq` at out[at]; returns where it ends. At most `maxRequest` bytes. */
  write(seq: number, out: Buffer, at: number): number;
  /**
   * Checks buf[start, end), a reply's payload as the codec cut it, against
   * request `seq`, with `outstanding` requests (seq included) still due.
   */
  check(seq: number, outstanding: number, buf: Buffer, start: number, end: number): Check;
  /** Why the reply to `seq` at buf[start, end) is wrong, for the report. */
  explain(seq: number, buf: Buffer, start: number, end: number): string;
}

export interface Workload {
  readonly codec: Codec;
  /** The largest reply payload the codec should accept. */
  readonly maxReply: number;
  /** The largest request, in bytes. */
  readonly maxRequest: number;
  /** A one-line description: "16-byte echo". */
  readonly label: string;
  connection(id: number): ConnWorkload;
}

export function createWorkload(spec: WorkloadSpec): Workload {
  return spec.kind === "echo"
    ? echoWorkload(spec.protocol, spec.payloadSize)
    : createKvWorkload(spec);
}

/**
 * Echo: every request carries its connection's id and its own sequence
 * number in its first 8 payload bytes (fewer if the payload is shorter), and
 * a fixed pattern after. A reply must have the expected length and exactly
 * those bytes. A reply to a later request of this connection means the ones
 * in between were skipped (missing replies); anything else is wrong.
 */
function echoWorkload(protocol: CodecName, size: number): Workload {
  const codec = codecFor(protocol);
  // One payload pattern for all: byte i is a function of i.
  const payload = Buffer.alloc(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  const { bytes: template, payloadOffset } = codec.encodeRequest(payload);
  const head = Math.min(8, size);
  const scratch = Buffer.alloc(8);
  const stamp = (id: number, seq: number, out: Buffer, at: number) => {
    scratch.writeUInt32LE(id >>> 0, 0);
    scratch.writeUInt32LE(seq >>> 0, 4);
    scratch.copy(out, at, 0, head);
  };
  return {
    codec,
    maxReply: size,
    maxRequest: template.length,
    label: `${size}-byte echo`,
    connection(id) {
      return {
        write(seq, out, at) {
          template.copy(out, at);
          stamp(id, seq, out, at + payloadOffset);
          return at + template.length;
        },
        check(seq, outstanding, buf, start, end) {
          if (end - start !== size) return -1;
          const fixedStart = payloadOffset + head;
          if (buf.compare(template, fixedStart, payloadOffset + size, start + head, end) !== 0) {
            return -1;
          }
          stamp(id, seq, scratch, 0);
          if (buf.compare(scratch, 0, head, start, start + head) === 0) return 0;
          if (size < 8 || buf.readUInt32LE(start) !== id >>> 0) return -1;
          const skipped = (buf.readUInt32LE(start + 4) - seq) >>> 0;
          return skipped > 0 && skipped < outstanding ? skipped : -1;
        },
        explain(seq, buf, start, end) {
          const got = buf.subarray(start, Math.min(end, start + 16)).toString("hex");
          return `reply ${seq} does not match its request (${end - start} bytes, starting ${got})`;
        },
      };
    },
  };
}
