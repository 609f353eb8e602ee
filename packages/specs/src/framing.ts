// Framing specs: what every phase from phase 2 on must do with length-
// prefixed frames, checked over real TCP with hand-made bytes. Each phase's
// test/ calls framingSpecs() with its own target; phase 2 and phase 3 run
// the very same tests.
import { sleep } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { counting, useTarget } from "./fixtures.ts";
import { frame, frames, header, readFrame, roundTrip } from "./frames.ts";
import type { RunningTarget, Target } from "./target.ts";

/** Above this, a spec never builds a payload of the target's full limit. */
const BIG = 1024 * 1024;

/** Long enough for the server to read and act on what it has; short enough to keep tests fast. */
const SETTLE_MS = 50;

export interface FramingTarget extends Target {
  /** The target's payload limit in bytes: a frame of this length is accepted, one more is refused. */
  maxMessage: number;
  /**
   * Optional: start a server whose limit is `limit` instead of maxMessage.
   * When maxMessage is over 1 MiB the "exactly the limit" spec uses this with
   * a 4096-byte limit rather than building a maxMessage-byte payload; without
   * it, that one spec is skipped.
   */
  startWithLimit?(limit: number): Promise<RunningTarget>;
}

export function framingSpecs(target: FramingTarget): void {
  describe(`${target.name}: framing`, () => {
    const clients = useTarget(target);

    /** A new client gets its request answered: the server is still alive and serving. */
    async function expectServed(port = clients.port()): Promise<void> {
      const next = await clients.open(port);
      expect((await roundTrip(next, "still serving?")).toString()).toBe("still serving?");
    }

    // Shows: one connection carries many requests, each answered in order.
    test("answers 200 requests on one connection, in order", async () => {
      const client = await clients.open(clients.port());
      for (let i = 0; i < 200; i++) {
        const payload = `request ${i} ${"x".repeat(i % 37)}`;
        expect((await roundTrip(client, payload)).toString()).toBe(payload);
      }
    });

    // Shows: frame boundaries come from the lengths, not from how the bytes were written.
    test("answers each of three frames sent in one write", async () => {
      const client = await clients.open(clients.port());
      await client.send(frames(["one", "", "three"]));
      expect((await readFrame(client)).toString()).toBe("one");
      expect((await readFrame(client)).toString()).toBe("");
      expect((await readFrame(client)).toString()).toBe("three");
    });

    // Shows: a header cut anywhere is put back together before its length is used.
    test.each([1, 2, 3])("answers a frame whose header is split after byte %i", async (cut) => {
      const client = await clients.open(clients.port());
      const bytes = frame("split header");
      await client.send(bytes.subarray(0, cut));
      await sleep(SETTLE_MS);
      await client.send(bytes.subarray(cut));
      expect((await readFrame(client)).toString()).toBe("split header");
    });

    // Shows: a frame that trickles in one byte per write is still read whole.
    const trickle = Math.min(target.maxMessage, 4096);
    test(`answers a ${trickle}-byte message sent one byte at a time`, async () => {
      const client = await clients.open(clients.port());
      const payload = counting(trickle);
      const bytes = frame(payload);
      for (let i = 0; i < bytes.length; i++) await client.send(bytes.subarray(i, i + 1));
      expect((await readFrame(client)).equals(payload)).toBe(true);
    });

    // Shows: length 0 is a valid request; its reply is a frame with length 0.
    test("answers a zero-length payload with an empty reply, and keeps going", async () => {
      const client = await clients.open(clients.port());
      await client.send(header(0));
      expect([...(await client.read(4))]).toEqual([0, 0, 0, 0]);
      expect((await roundTrip(client, "after empty")).toString()).toBe("after empty");
    });

    // Shows: the limit itself is allowed (the check is "greater than", not "at least").
    const edge =
      target.maxMessage <= BIG
        ? { limit: target.maxMessage, start: null }
        : target.startWithLimit
          ? { limit: 4096, start: target.startWithLimit.bind(target) }
          : null;
    test.skipIf(edge === null)(
      `accepts a payload of exactly the limit (${edge?.limit ?? target.maxMessage} bytes)`,
      async () => {
        if (edge === null) return;
        const small = edge.start ? await edge.start(edge.limit) : null;
        try {
          const client = await clients.open(small?.port ?? clients.port());
          const payload = counting(edge.limit);
          expect((await roundTrip(client, payload)).equals(payload)).toBe(true);
          client.end(); // leave, so that a one-at-a-time server gets to the next client
          await client.ended();
          // And one byte more is refused by that same server.
          const over = await clients.open(small?.port ?? clients.port());
          await over.send(header(edge.limit + 1));
          expect(await over.ended()).not.toBe("open");
        } finally {
          clients.closeAll();
          await small?.close();
        }
      },
    );

    // Shows: an oversized length is refused from its 4 header bytes: the
    // server hangs up while the client is still holding the payload back.
    test.each([
      ["the limit + 1", target.maxMessage + 1],
      ["0xFFFFFFFF", 0xffffffff],
    ])("refuses a length of %s without waiting for the payload", async (_, length) => {
      const client = await clients.open(clients.port());
      await client.send(header(length));
      // No payload follows: if the server waited for one, this would time out.
      expect(await client.readToEnd()).toHaveLength(0);
      await expectServed();
    });

    // Shows: EOF inside a frame ends that connection cleanly, and only that one.
    test.each([
      ["after 2 header bytes", header(10).subarray(0, 2)],
      ["after the header and 3 of 10 payload bytes", Buffer.concat([header(10), counting(3)])],
    ])("closes cleanly on EOF %s and serves the next client", async (_, partial) => {
      const client = await clients.open(clients.port());
      await client.send(partial);
      await sleep(SETTLE_MS);
      client.end();
      expect(await client.readToEnd()).toHaveLength(0);
      expect(client.state()).toBe("eof");
      await expectServed();
    });

    // Shows: a client that resets the connection mid-frame costs the server nothing.
    test("survives a reset in the middle of a frame and serves the next client", async () => {
      const client = await clients.open(clients.port());
      await client.send(Buffer.concat([header(100), counting(10)]));
      await sleep(SETTLE_MS);
      client.reset();
      await expectServed();
    });

    // Shows: a request that arrived whole is answered even if FIN came right behind it.
    test("answers a frame followed at once by the client's FIN, then closes", async () => {
      const client = await clients.open(clients.port());
      client.socket.end(frame("last words"));
      expect((await readFrame(client)).toString()).toBe("last words");
      expect(await client.ended()).toBe("eof");
    });

    // Shows: payloads are bytes, never text: every byte value comes back exactly.
    test("echoes binary payloads byte for byte", async () => {
      const client = await clients.open(clients.port());
      const every = counting(256);
      expect((await roundTrip(client, every)).equals(every)).toBe(true);
      const max = Math.min(target.maxMessage, 2048);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: max }), async (payload) => {
          const reply = await roundTrip(client, payload);
          expect(reply.equals(Buffer.from(payload))).toBe(true);
        }),
        { numRuns: 60 },
      );
    });
  });
}
