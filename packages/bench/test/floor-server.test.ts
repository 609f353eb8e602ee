import { openClient, startServerProcess } from "@rah/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FloorServer, startFloorServer } from "../src/floor-server.ts";

function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(payload.length);
  return Buffer.concat([header, payload]);
}

describe("the floor server", () => {
  let server: FloorServer;
  beforeAll(async () => {
    server = await startFloorServer("127.0.0.1", 0);
  });
  afterAll(() => server.close());

  // A frame that arrives in pieces is answered once, whole.
  it("joins a frame split across writes", async () => {
    const client = await openClient(server.port);
    const bytes = frame("split in three");
    await client.send(bytes.subarray(0, 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.send(bytes.subarray(2, 9));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.buffered()).toBe(0);
    await client.send(bytes.subarray(9));
    expect(await client.read(bytes.length)).toEqual(bytes);
    client.destroy();
  });

  // Pipelining: several frames in one write get one reply each, in order.
  it("answers every frame of a pipeline", async () => {
    const client = await openClient(server.port);
    const frames = [frame("one"), frame(""), frame("three"), frame("x".repeat(5000))];
    const all = Buffer.concat(frames);
    await client.send(Buffer.concat([all, frame("half").subarray(0, 5)]));
    expect(await client.read(all.length)).toEqual(all);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.buffered()).toBe(0);
    client.destroy();
  });

  // As its own process it announces its port the way every phase does.
  it("runs as a process and prints its port", async () => {
    const entry = new URL("../src/bin/floor.ts", import.meta.url).pathname;
    const program = await startServerProcess(entry);
    try {
      const client = await openClient(program.port);
      await client.send(frame("hi"));
      expect(await client.read(6)).toEqual(frame("hi"));
      client.destroy();
    } finally {
      program.kill();
      await program.finished;
    }
  });
});
