// Serving specs: one client at a time, or many at once? Phase 2 serves
// clients one after another (concurrent: false); phase 3's event loop serves
// them side by side (concurrent: true). Both run these same tests, with the
// expectation flipped, so the difference the event loop makes is a test.
import { sleep } from "@rah/core/testing";
import { describe, expect, test } from "vitest";
import { useTarget } from "./fixtures.ts";
import { frame, readFrame, roundTrip } from "./frames.ts";
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
}

export function servingSpecs(target: Target, options: ServingOptions): void {
  const mode = options.concurrent ? "many clients at once" : "one client at a time";
  describe(`${target.name}: ${mode}`, () => {
    const { open } = useTarget(target);

    if (!options.concurrent) {
      // Shows: while A is being served, B's request waits; B is answered once A leaves.
      test("a second client waits until the first one leaves", async () => {
        const order: string[] = [];
        const a = await open();
        order.push(`A: ${await roundTrip(a, "A1")}`);
        const b = await open();
        await b.send(frame("B"));
        const bReply = readFrame(b, 10_000).then((reply) => order.push(`B: ${reply}`));
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
      const stalled = frame("A, at last");
      await a.send(stalled.subarray(0, 3));
      await sleep(WAIT_MS / 3); // the server has read those 3 bytes and waits for the 4th
      const b = await open();
      await b.send(frame("B"));
      if (options.concurrent) {
        expect((await readFrame(b)).toString()).toBe("B");
        // A was only waiting, not forgotten: its header's last byte completes it.
        expect(a.state()).toBe("open");
        await a.send(stalled.subarray(3));
        expect((await readFrame(a)).toString()).toBe("A, at last");
      } else {
        await sleep(WAIT_MS);
        expect(b.buffered()).toBe(0);
        a.destroy(); // A gives up: EOF inside its header, and the server moves on to B
        expect((await readFrame(b)).toString()).toBe("B");
      }
    });
  });
}
