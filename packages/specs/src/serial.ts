// Serving specs: one client at a time, or many at once? Phase 2 serves
// clients one after another (concurrent: false); phase 3's event loop serves
// them side by side (concurrent: true). Both run these same tests, with the
// expectation flipped, so the difference the event loop makes is a test.
import { type RawClient, sleep } from "@rah/core/testing";
import { describe, expect, test } from "vitest";
import { useTarget } from "./fixtures.ts";
import { frame, readFrame } from "./frames.ts";
import type { Target } from "./target.ts";

/**
 * How long a waiting client is watched to show that it gets no reply. A
 * server that does answer it answers in well under a millisecond here, so
 * this only has to be comfortably longer than that, even on a busy machine.
 */
const WAIT_MS = 300;

export interface ServingOptions {
  /** True if the target serves several clients at the same time. */
  concurrent: boolean;
  /** What to ask and what must come back; the echo of phases 2 and 3 by default. */
  probe?: Probe;
}

/** A request the target answers, for specs that only need "some request and its reply". */
export interface Probe {
  /** The bytes of a whole request (its frame included), labelled so a test can tell them apart. */
  request(label: string): Buffer;
  /** The payload of the reply frame it must get. */
  reply(label: string): Buffer;
}

/** Phases 2 and 3: the request is a frame holding the label, the reply its echo. */
export const echoProbe: Probe = {
  request: (label) => frame(label),
  reply: (label) => Buffer.from(label),
};

export function servingSpecs(target: Target, options: ServingOptions): void {
  const mode = options.concurrent ? "many clients at once" : "one client at a time";
  const probe = options.probe ?? echoProbe;
  describe(`${target.name}: ${mode}`, () => {
    const { open } = useTarget(target);
    /** Sends the request labelled `label`, checks its reply, and returns the label. */
    const roundTrip = async (client: RawClient, label: string): Promise<string> => {
      await client.send(probe.request(label));
      expect((await readFrame(client)).equals(probe.reply(label))).toBe(true);
      return label;
    };

    if (!options.concurrent) {
      // Shows: while A is being served, B's request waits; B is answered once A leaves.
      test("a second client waits until the first one leaves", async () => {
        const order: string[] = [];
        const a = await open();
        order.push(`A: ${await roundTrip(a, "A1")}`);
        const b = await open();
        await b.send(probe.request("B"));
        const bReply = readFrame(b, 10_000).then((reply) => {
          expect(reply.equals(probe.reply("B"))).toBe(true);
          order.push("B: B");
        });
        await sleep(WAIT_MS);
        // A is still being served: its next request is answered before B's first.
        order.push(`A: ${await roundTrip(a, "A2")}`);
        expect(b.buffered()).toBe(0);
        a.end(); // A leaves (FIN): the server finishes with it and accepts B
        await bReply;
        expect(order).toEqual(["A: A1", "A: A2", "B: B"]);
      });
    } else {
      // Shows: B is answered while A is still connected, between A's two requests.
      test("a second client is answered while the first stays connected", async () => {
        const order: string[] = [];
        const a = await open();
        order.push(`A: ${await roundTrip(a, "A1")}`);
        const b = await open();
        order.push(`B: ${await roundTrip(b, "B")}`);
        order.push(`A: ${await roundTrip(a, "A2")}`);
        expect(order).toEqual(["A: A1", "B: B", "A: A2"]);
      });
    }

    // Shows: a client stuck in the middle of a header blocks everyone behind
    // it in a one-at-a-time server, and nobody in a concurrent one.
    test("a client that sent 3 header bytes and stalls", async () => {
      const a = await open();
      const stalled = probe.request("A, at last");
      await a.send(stalled.subarray(0, 3));
      await sleep(WAIT_MS / 3); // the server has read those 3 bytes and waits for the 4th
      const b = await open();
      await b.send(probe.request("B"));
      if (options.concurrent) {
        expect((await readFrame(b)).equals(probe.reply("B"))).toBe(true);
        // A was only waiting, not forgotten: its header's last byte completes it.
        expect(a.state()).toBe("open");
        await a.send(stalled.subarray(3));
        expect((await readFrame(a)).equals(probe.reply("A, at last"))).toBe(true);
      } else {
        await sleep(WAIT_MS);
        expect(b.buffered()).toBe(0);
        a.destroy(); // A gives up: EOF inside its header, and the server moves on to B
        expect((await readFrame(b)).equals(probe.reply("B"))).toBe(true);
      }
    });
  });
}
