import { startTestServer } from "@rah/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { frameCodec } from "../src/codecs.ts";
import { parseRequest, STATUS_NX, STATUS_OK, statusReply, typed } from "../src/kv.ts";
import { type KvFloorServer, startKvFloorServer } from "../src/kv-floor-server.ts";
import { createKvWorkload, type KvWorkloadSpec } from "../src/kv-workloads.ts";
import { runLoad } from "../src/loadgen.ts";
import { keyMemory } from "../src/runs.ts";

/** The requests a workload's connection writes for seq 0..n-1, parsed back into strings. */
function requests(spec: KvWorkloadSpec, n: number, conn = 0): string[][] {
  const workload = createKvWorkload(spec);
  const c = workload.connection(conn);
  const out = Buffer.alloc(n * workload.maxRequest);
  let at = 0;
  for (let seq = 0; seq < n; seq++) at = c.write(seq, out, at);
  const parsed: string[][] = [];
  for (let p = 0; p < at; ) {
    const d = frameCodec.decodeReply(out, p, Number.MAX_SAFE_INTEGER);
    if (d?.kind !== "payload") throw new Error("not a whole frame");
    parsed.push(parseRequest(out.subarray(d.start, d.end)).map((b) => b.toString("latin1")));
    p = d.next;
  }
  return parsed;
}

/** What the workload says of `reply` as the answer to request `seq`: 0 right, -1 wrong. */
function check(spec: KvWorkloadSpec, seq: number, reply: Buffer, conn = 0): number {
  return createKvWorkload(spec).connection(conn).check(seq, 1, reply, 0, reply.length);
}

const mix = (replies: "status" | "typed"): KvWorkloadSpec => ({
  kind: "kv-mix",
  replies,
  keysPerConnection: 2,
  valueSize: 24,
});

describe("the get/set mix", () => {
  // Round 0 sets each key, round 1 gets them back, round 2 sets new values.
  it("sets its keys, then gets them back", () => {
    const r = requests(mix("status"), 5, 7);
    expect(r.map((x) => [x[0], x[1]])).toEqual([
      ["set", "key:000007:000000"],
      ["set", "key:000007:000001"],
      ["get", "key:000007:000000"],
      ["get", "key:000007:000001"],
      ["set", "key:000007:000000"],
    ]);
    // The value: "v", connection, key and round, then a letter pattern.
    expect(r[0]?.[2]).toBe("v000007000000" + "0000000000" + "x");
    expect(r[4]?.[2]).not.toBe(r[0]?.[2]);
  });

  // A get expects the value the last set wrote, in the protocol's reply format.
  it("expects the value set before, as a status or a typed reply", () => {
    const value = Buffer.from(requests(mix("status"), 1)[0]?.[2] ?? "", "latin1");
    expect(check(mix("status"), 0, statusReply(STATUS_OK))).toBe(0);
    expect(check(mix("status"), 2, statusReply(STATUS_OK, value))).toBe(0);
    expect(check(mix("typed"), 0, typed.nil())).toBe(0);
    expect(check(mix("typed"), 2, typed.str(value))).toBe(0);
  });

  // A miss, a wrong value, or the other protocol's reply is wrong.
  it("rejects a miss, a wrong value and the wrong reply format", () => {
    const value = Buffer.from(requests(mix("status"), 1)[0]?.[2] ?? "", "latin1");
    const other = Buffer.from(value);
    other[other.length - 1] = 0x41;
    expect(check(mix("status"), 2, statusReply(STATUS_NX))).toBe(-1);
    expect(check(mix("status"), 2, statusReply(STATUS_OK, other))).toBe(-1);
    expect(check(mix("typed"), 0, statusReply(STATUS_OK))).toBe(-1);
    expect(check(mix("status"), 2, typed.str(value))).toBe(-1);
  });
});

describe("inserts and probes", () => {
  // Every insert sets a key no other request of any connection uses.
  it("inserts a new key each time", () => {
    const spec: KvWorkloadSpec = { kind: "kv-insert", replies: "typed", valueSize: 8 };
    const keys = [0, 1, 2].flatMap((conn) => requests(spec, 50, conn).map((r) => r[1]));
    expect(new Set(keys).size).toBe(150);
    expect(check(spec, 3, typed.nil())).toBe(0);
    expect(check(spec, 3, typed.int(0n))).toBe(-1);
  });

  // The probe sets its key once and then only gets it.
  it("sets one key, then gets it", () => {
    const spec: KvWorkloadSpec = { kind: "kv-probe", replies: "status" };
    const r = requests(spec, 3, 2);
    expect(r.map((x) => x.slice(0, 2))).toEqual([
      ["set", "probe:000002"],
      ["get", "probe:000002"],
      ["get", "probe:000002"],
    ]);
    expect(check(spec, 2, statusReply(STATUS_OK, Buffer.from(r[0]?.[2] ?? "")), 2)).toBe(0);
  });
});

describe("sorted sets", () => {
  // zadd n: score n, name "m" and nine digits, answered by (int) 1.
  it("adds member n with score n", () => {
    expect(requests({ kind: "zadd" }, 12).at(-1)).toEqual(["zadd", "zset", "11", "m000000011"]);
    expect(check({ kind: "zadd" }, 11, typed.int(1n))).toBe(0);
    expect(check({ kind: "zadd" }, 11, typed.int(0n))).toBe(-1);
  });

  // zquery from rank `offset`: name and score pairs, limit elements at most, fewer near the end.
  it("expects the pairs from the offset on", () => {
    const pair = (n: number) => [
      typed.str(Buffer.from(`m${String(n).padStart(9, "0")}`)),
      typed.dbl(n),
    ];
    const spec = (offset: number): KvWorkloadSpec => ({
      kind: "zquery",
      offset,
      limit: 4,
      members: 10,
    });
    expect(requests(spec(3), 1)[0]).toEqual(["zquery", "zset", "0", "", "3", "4"]);
    expect(check(spec(3), 0, typed.arr([...pair(3), ...pair(4)]))).toBe(0);
    expect(check(spec(9), 0, typed.arr(pair(9)))).toBe(0);
    expect(check(spec(12), 0, typed.arr([]))).toBe(0);
    expect(check(spec(3), 0, typed.arr([...pair(4), ...pair(5)]))).toBe(-1);
  });
});

describe("memory per key", () => {
  // A Map's 2^24 entries bound phase 4 when the heap would hold more; otherwise the heap does.
  it("takes the lower of the store's limit and the heap's", () => {
    const map = keyMemory({ maxKeys: 2 ** 24 }, 1_000_000, 50e6, 150e6, 4e9);
    expect(map.bytesPerKey).toBe(100);
    expect(map.capacity).toBe(2 ** 24);
    expect(map.capacityNote).toBe("the store's own limit");
    const heap = keyMemory({}, 1_000_000, 50e6, 150e6, 1e9);
    expect(heap.capacity).toBe(10_000_000);
    expect(heap.capacityNote).toMatch(/V8 heap limit/);
    expect(keyMemory({}, 0, null, 1, 1).capacity).toBeNull();
  });
});

describe("against the key-value floor", () => {
  let floor: KvFloorServer;
  beforeAll(async () => {
    floor = await startKvFloorServer("127.0.0.1", 0);
  });
  afterAll(() => floor.close());

  // The whole loop: pipelined sets and gets on several connections, every reply right.
  it("runs the mix with every reply checked", async () => {
    const result = await runLoad({
      host: "127.0.0.1",
      port: floor.port,
      workload: { kind: "kv-mix", replies: "status", keysPerConnection: 10, valueSize: 40 },
      connections: 3,
      inFlight: 8,
      requestsPerConnection: 200,
      warmupMs: 0,
      durationMs: 20_000,
      graceMs: 1000,
    });
    expect(result.errorCount).toBe(0);
    expect(result.good).toBe(600);
  });

  // A server that forgets what was set: its get replies are caught as wrong.
  it("catches a get that does not return the value set", async () => {
    const forgetful = await startTestServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        let buf = Buffer.concat([pending, chunk]);
        for (;;) {
          const d = frameCodec.decodeReply(buf, 0, Number.MAX_SAFE_INTEGER);
          if (d?.kind !== "payload") break;
          const [cmd] = parseRequest(buf.subarray(d.start, d.end));
          const payload = statusReply(cmd?.toString() === "get" ? STATUS_NX : STATUS_OK);
          socket.write(Buffer.concat([Buffer.from([payload.length, 0, 0, 0]), payload]));
          buf = buf.subarray(d.next);
        }
        pending = buf;
      });
    });
    try {
      const result = await runLoad({
        host: "127.0.0.1",
        port: forgetful.port,
        workload: { kind: "kv-mix", replies: "status", keysPerConnection: 3, valueSize: 30 },
        connections: 1,
        inFlight: 4,
        requestsPerConnection: 10,
        warmupMs: 0,
        durationMs: 20_000,
        graceMs: 1000,
      });
      expect(result.errors.wrongReply).toBe(1);
      expect(result.errorSamples[0]).toMatch(
        /reply 3 \(get of key 0\) was \[2\] "", expected \[0\] "v0+/,
      );
    } finally {
      await forgetful.close();
    }
  });
});
