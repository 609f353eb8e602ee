import { openClient } from "@rah/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeRequest, STATUS_ERR, STATUS_NX, STATUS_OK, statusReply } from "../src/kv.ts";
import { type KvFloorServer, startKvFloorServer } from "../src/kv-floor-server.ts";

/** A status reply as it travels: the frame's length, then the payload. */
function reply(status: number, data?: string | Buffer): Buffer {
  const payload = statusReply(status, typeof data === "string" ? Buffer.from(data) : data);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(payload.length);
  return Buffer.concat([header, payload]);
}

describe("the key-value floor", () => {
  let server: KvFloorServer;
  beforeAll(async () => {
    server = await startKvFloorServer("127.0.0.1", 0);
  });
  afterAll(() => server.close());

  // The chapter 7 commands, pipelined in one write, answered in order.
  it("answers get, set and del in order", async () => {
    const client = await openClient(server.port);
    const requests = [
      ["get", "k"],
      ["set", "k", "20"],
      ["get", "k"],
      ["del", "k"],
      ["get", "k"],
      ["del", "k"],
      ["get"],
      [],
    ];
    const want = [
      reply(STATUS_NX),
      reply(STATUS_OK),
      reply(STATUS_OK, "20"),
      reply(STATUS_OK),
      reply(STATUS_NX),
      reply(STATUS_OK),
      reply(STATUS_ERR),
      reply(STATUS_ERR),
    ];
    await client.send(Buffer.concat(requests.map((r) => encodeRequest(r))));
    const all = Buffer.concat(want);
    expect(await client.read(all.length)).toEqual(all);
    client.destroy();
  });

  // Keys and values are bytes: any byte survives, and a request split anywhere is joined.
  it("keeps binary keys and values, across split writes", async () => {
    const client = await openClient(server.port);
    const key = Buffer.from([0, 255, 13, 10]);
    const value = Buffer.from([1, 2, 3, 0, 200]);
    const bytes = Buffer.concat([encodeRequest(["set", key, value]), encodeRequest(["get", key])]);
    for (let i = 0; i < bytes.length; i += 3) {
      await client.send(bytes.subarray(i, i + 3));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const want = Buffer.concat([reply(STATUS_OK), reply(STATUS_OK, value)]);
    expect(await client.read(want.length)).toEqual(want);
    client.destroy();
  });

  // A bad request closes the connection, after the replies owed to the requests before it.
  it("closes on a bad request after answering the earlier ones", async () => {
    const client = await openClient(server.port);
    // One string announced as 9 bytes long, with 1 byte there: a bad request.
    const bad = Buffer.from([9, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0x61]);
    await client.send(Buffer.concat([encodeRequest(["get", "nope"]), bad]));
    expect(await client.read(8)).toEqual(reply(STATUS_NX));
    expect(await client.ended()).toBe("eof");
  });
});
