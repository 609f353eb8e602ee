// The key-value floor: the smallest correct Node server for the book's
// chapter 7 protocol (get, set and del on a Map, status replies).
//
// No logging, no limits beyond the book's, no per-connection state beyond
// the bytes of an unfinished frame, and Nagle's algorithm off. Whatever
// phase 4 does on top of this is the price of its lessons and rails, and the
// bench reports it as phase 4's ratio to this server.
//
// It still follows the protocol: frames split across reads are joined,
// every whole request in a read is answered in order (pipelining), with all
// the replies of one read in one write, and a bad or oversized request
// closes the connection after the replies owed to the requests before it.
// Keys are bytes: a Map needs a primitive key, and latin1 maps bytes to
// characters one to one.
import { type FloorServer, listenFloor } from "./floor-server.ts";
import {
  BadRequest,
  MAX_MESSAGE,
  parseRequest,
  STATUS_ERR,
  STATUS_NX,
  STATUS_OK,
  statusReply,
} from "./kv.ts";

/** A running key-value floor: where it listens, and how to stop it. */
export type KvFloorServer = FloorServer;

const OK = statusReply(STATUS_OK);
const NX = statusReply(STATUS_NX);
const ERR = statusReply(STATUS_ERR);

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeUInt32LE(payload.length, 0);
  payload.copy(out, 4);
  return out;
}

const OK_FRAME = frame(OK);
const NX_FRAME = frame(NX);
const ERR_FRAME = frame(ERR);

export function startKvFloorServer(host: string, port: number): Promise<KvFloorServer> {
  const data = new Map<string, Buffer>();

  function answer(payload: Buffer): Buffer {
    const [cmd, key, value] = parseRequest(payload);
    const name = cmd?.toString("latin1");
    const n = payload.readUInt32LE(0);
    if (name === "get" && n === 2 && key) {
      const found = data.get(key.toString("latin1"));
      if (!found) return NX_FRAME;
      const out = Buffer.allocUnsafe(8 + found.length);
      out.writeUInt32LE(4 + found.length, 0);
      out.writeUInt32LE(STATUS_OK, 4);
      found.copy(out, 8);
      return out;
    }
    if (name === "set" && n === 3 && key && value) {
      data.set(key.toString("latin1"), Buffer.from(value));
      return OK_FRAME;
    }
    if (name === "del" && n === 2 && key) {
      data.delete(key.toString("latin1"));
      return OK_FRAME;
    }
    return ERR_FRAME;
  }

  return listenFloor(host, port, (socket) => {
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const replies: Buffer[] = [];
      let at = 0;
      let close = false;
      while (buf.length - at >= 4) {
        const len = buf.readUInt32LE(at);
        if (len > MAX_MESSAGE) {
          close = true;
          break;
        }
        if (buf.length - at - 4 < len) break;
        try {
          replies.push(answer(buf.subarray(at + 4, at + 4 + len)));
        } catch (err: unknown) {
          if (!(err instanceof BadRequest)) throw err;
          close = true;
          break;
        }
        at += 4 + len;
      }
      if (replies.length > 0) socket.write(Buffer.concat(replies));
      if (close) {
        socket.end();
        socket.pause();
        pending = Buffer.alloc(0);
        return;
      }
      // Keep only the unfinished tail, copied, so the chunk it came in can go.
      pending = at === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
    });
  });
}
