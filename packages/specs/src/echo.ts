// Echo specs: what phase 1 must do with raw bytes, checked over real TCP.
// The protocol has no framing: a client sends anything, half-closes (FIN),
// and gets every byte back before the server closes the connection. The
// server serves one client at a time; later clients wait, they are not refused.
import { sleep } from "@rah/core/testing";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { counting, useTarget } from "./fixtures.ts";
import type { Target } from "./target.ts";

/**
 * How long a waiting client is watched to show that it gets no echo yet. A
 * server that does answer it answers in well under a millisecond here, so
 * this only has to be comfortably longer than that, even on a busy machine.
 */
const WAIT_MS = 300;

export function echoSpecs(target: Target): void {
  describe(`${target.name}: echo`, () => {
    const { open } = useTarget(target);
    /** One whole exchange: send, half-close, read until the server closes. */
    const echo = async (bytes: Uint8Array | string): Promise<Buffer> => {
      const client = await open();
      await client.send(bytes);
      client.end();
      return client.readToEnd();
    };

    // Shows: every byte value, NUL and 0xff included, comes back unchanged; then the server closes.
    test("echoes all 256 byte values exactly", async () => {
      const bytes = Buffer.concat([counting(256), counting(256).reverse()]);
      const client = await open();
      await client.send(bytes);
      client.end();
      const back = await client.readToEnd();
      expect(back.toString("hex")).toBe(bytes.toString("hex"));
      // The server closed cleanly (FIN), not with a reset.
      expect(client.state()).toBe("eof");
    });

    // Shows: random binary payloads, sent in random pieces, come back byte for byte.
    test("echoes random binary payloads exactly (fast-check)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 4096 }), { maxLength: 6 }),
          async (pieces) => {
            const client = await open();
            for (const piece of pieces) await client.send(piece);
            client.end();
            const back = await client.readToEnd();
            expect(back.toString("hex")).toBe(Buffer.concat(pieces).toString("hex"));
          },
        ),
        { numRuns: 25 },
      );
    });

    // Shows: a client that sends nothing and half-closes gets nothing back, and a clean close.
    test("closes an empty exchange cleanly", async () => {
      expect((await echo(Buffer.alloc(0))).length).toBe(0);
      expect((await echo("next")).toString()).toBe("next");
    });

    // Shows: 1 MiB sent with FIN right behind it still comes back whole: the
    // half-close ends the client's sending, not the server's replying.
    test("echoes 1 MiB whole when the client half-closes right after sending", async () => {
      const big = Buffer.from(Array.from({ length: 1024 * 1024 }, (_, i) => (i * 31 + 7) % 256));
      const client = await open();
      const sent = client.send(big);
      client.end(); // FIN queued straight after the data, before any echo arrives
      const back = await client.readToEnd(20_000);
      await sent;
      expect(back.length).toBe(big.length);
      expect(back.equals(big)).toBe(true);
      expect(client.state()).toBe("eof");
    });

    // Shows: a second client is not refused while the first is served; it
    // waits, and is served as soon as the first leaves.
    test("a second client waits, then is served when the first leaves", async () => {
      const order: string[] = [];
      const a = await open();
      await a.send("A1");
      order.push(`A got ${await a.read(2)}`);

      const b = await open(); // the connection succeeds: B is queued, not refused
      order.push("B connected");
      await b.send("B1");
      const bEcho = b.read(2, 10_000).then((bytes) => order.push(`B got ${bytes}`));
      await sleep(WAIT_MS);

      // A is still the one being served; B has had no reply, and is still connected.
      await a.send("A2");
      order.push(`A got ${await a.read(2)}`);
      expect(b.buffered()).toBe(0);
      expect(b.state()).toBe("open");

      order.push("A leaves");
      a.end();
      await bEcho;
      expect(order).toEqual(["A got A1", "B connected", "A got A2", "A leaves", "B got B1"]);
      // A's connection was closed by the server, with nothing more after its echo.
      expect((await a.readToEnd()).length).toBe(0);
      b.end();
      expect((await b.readToEnd()).length).toBe(0);
    });

    // Shows: a client that aborts (RST) in the middle of its echo costs the
    // server that one connection; the next client is served as usual.
    test("a client that resets mid-reply does not stop the server", async () => {
      const x = await open();
      // Enough that the echo cannot fit in the kernel's buffers while X does not read.
      const big = counting(8 * 1024 * 1024);
      const sending = x.send(big).catch(() => {});
      await x.read(1); // the server has started replying
      x.socket.pause(); // X stops reading: the server is stuck inside a write
      await sleep(WAIT_MS / 3);
      x.reset();
      await sending;
      expect((await echo("still serving?")).toString()).toBe("still serving?");
    });

    // Shows: a client that connects and resets before sending anything is forgotten too.
    test("a client that resets at once does not stop the server", async () => {
      const x = await open();
      x.reset();
      const y = await open();
      await y.send("after a reset");
      y.end();
      expect((await y.readToEnd()).toString()).toBe("after a reset");
    });
  });
}
