// What every spec file needs around its tests: a running target and raw
// clients that are cleaned up after each test, pass or fail.
import { openClient, type RawClient } from "@rah/core/testing";
import { afterAll, afterEach, beforeAll } from "vitest";
import type { RunningTarget, Target } from "./target.ts";

export interface SpecFixture {
  /** The port of the server started for this describe block. */
  port(): number;
  /** A raw client (Nagle off) to `port`, or to the shared server; destroyed after the test. */
  open(port?: number): Promise<RawClient>;
  /** Destroys every client opened so far (afterEach does it too). */
  closeAll(): void;
}

/** Call inside a describe block: starts `target` once, closes it after the block. */
export function useTarget(target: Target): SpecFixture {
  let server: RunningTarget | undefined;
  const opened: RawClient[] = [];
  const closeAll = () => {
    for (const client of opened.splice(0)) client.destroy();
  };
  beforeAll(async () => {
    server = await target.start();
  });
  afterEach(closeAll);
  afterAll(async () => {
    await server?.close();
  });
  const port = () => {
    if (!server) throw new Error(`${target.name} is not running`);
    return server.port;
  };
  return {
    port,
    async open(to = port()) {
      const client = await openClient(to);
      // Send every write at once: without this, TCP may hold small writes back
      // (Nagle's algorithm) and merge them, and a test's splits would never happen.
      client.socket.setNoDelay(true);
      opened.push(client);
      return client;
    },
    closeAll,
  };
}

/** Bytes 0..n-1 counting up (mod 256): every byte value, easy to check. */
export function counting(n: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => i % 256));
}
