// The hashtable of chapter 8: it agrees with a Map at every step, keeps its
// invariants in the middle of a resize, grows exactly at the book's
// threshold, and never moves more than 128 nodes in one operation.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type HKey,
  type HMap,
  type HNode,
  type HTab,
  hmDelete,
  hmForeach,
  hmInsert,
  hmLookup,
  hmNew,
  hmSize,
  hSlot,
  INITIAL_SLOTS,
  MAX_LOAD_FACTOR,
  PAGE_SLOTS,
  REHASHING_WORK,
  strHash,
} from "../src/hashtable.ts";

// A store entry as phase 5 will have it: the entry is the node.
interface Entry extends HNode {
  key: string;
  value: number;
}
interface Probe extends HKey {
  key: string;
}

const entry = (key: string, value: number, hcode = strHash(key)): Entry => ({
  next: null,
  hcode,
  key,
  value,
});
const probe = (key: string, hcode = strHash(key)): Probe => ({ hcode, key });
const sameKey = (node: Entry, key: Probe) => node.key === key.key;
const slots = (htab: HTab<Entry>) => (htab.pages === null ? 0 : htab.mask + 1);
const pagesIn = (htab: HTab<Entry>) => htab.pages?.filter((page) => page !== null).length ?? 0;
const pageCount = (map: HMap<Entry>) => pagesIn(map.newer) + pagesIn(map.older);

// The server's `set`: update the value if the key is there, insert otherwise.
function set(map: HMap<Entry>, key: string, value: number, hcode = strHash(key)): void {
  const found = hmLookup(map, probe(key, hcode), sameKey);
  if (found) found.value = value;
  else hmInsert(map, entry(key, value, hcode));
}

/**
 * Every node of one table; notes in `problems` any node that is not in the
 * slot its hash picks, or a size that does not match the nodes.
 */
function nodesOf(htab: HTab<Entry>, problems: string[]): Entry[] {
  const nodes: Entry[] = [];
  for (let pos = 0; pos < slots(htab); pos++) {
    for (let node = hSlot(htab, pos); node !== null; node = node.next as Entry | null) {
      if ((node.hcode & htab.mask) !== pos) problems.push(`${JSON.stringify(node.key)} in ${pos}`);
      nodes.push(node);
    }
  }
  if (nodes.length !== htab.size) problems.push(`size ${htab.size}, ${nodes.length} nodes`);
  return nodes;
}

/**
 * The book's invariants, and agreement with the model, after any operation.
 * It runs thousands of times per test, so it collects what is wrong and
 * makes one assertion.
 */
function check(map: HMap<Entry>, model: Map<string, number>, problems: string[] = []): void {
  const problem = (bad: boolean, what: string) => bad && problems.push(what);
  problem(hmSize(map) !== model.size, `hmSize ${hmSize(map)}, model ${model.size}`);
  const nodes = [...nodesOf(map.newer, problems), ...nodesOf(map.older, problems)];
  const seen = new Map(nodes.map((node) => [node.key, node.value]));
  problem(seen.size !== nodes.length, "a key is stored twice");
  for (const [key, value] of model) {
    problem(seen.get(key) !== value, `${JSON.stringify(key)}: ${seen.get(key)}, model ${value}`);
  }
  // The slot count is a power of two, at least the initial 4 once allocated.
  const n = slots(map.newer);
  problem(n !== 0 && (n < INITIAL_SLOTS || (n & (n - 1)) !== 0), `${n} slots`);
  problem(map.moved > REHASHING_WORK, `moved ${map.moved}`);
  if (map.older.pages !== null) {
    // Mid-resize: older is half the size of newer, the slots before
    // migratePos are empty, and this operation did its full share.
    problem(slots(map.older) * 2 !== n, `older ${slots(map.older)} slots, newer ${n}`);
    problem(!(map.migratePos >= 0 && map.migratePos <= map.older.mask), `at ${map.migratePos}`);
    let emptied = 0;
    while (emptied < map.migratePos && hSlot(map.older, emptied) === null) emptied++;
    problem(emptied !== map.migratePos, `old slot ${emptied} < migratePos has nodes`);
    problem(map.moved !== REHASHING_WORK, `moved ${map.moved} mid-resize`);
  } else {
    // No resize under way: the table is below its load threshold.
    problem(map.older.size !== 0, `older.size ${map.older.size} with no slots`);
    const threshold = Math.max(n, INITIAL_SLOTS) * MAX_LOAD_FACTOR;
    problem(map.newer.size >= threshold, `${map.newer.size} keys in ${n} slots, not resizing`);
  }
  expect(problems).toEqual([]);
}

type Op = { kind: "set"; key: string; value: number } | { kind: "get" | "del"; key: string };

// Keys: mostly from a small pool (so gets and dels hit), some arbitrary bytes.
const byteString = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString("latin1"));
const poolKey = (pool: number) =>
  fc.oneof(
    { weight: 9, arbitrary: fc.nat({ max: pool }).map((i) => `k${i}`) },
    { weight: 1, arbitrary: byteString },
  );
const ops = (pool: number, minLength: number, maxLength: number) =>
  fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("set" as const),
          key: poolKey(pool),
          value: fc.nat(),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant("get" as const), key: poolKey(pool) }),
      },
      {
        weight: 2,
        arbitrary: fc.record({ kind: fc.constant("del" as const), key: poolKey(pool) }),
      },
    ),
    { minLength, maxLength, size: "max" },
  );

/**
 * Runs `steps` on both the table and the model, checking everything after
 * each operation of the table (a set is a lookup, then an insert if it
 * missed).
 */
function runAgainstModel(map: HMap<Entry>, model: Map<string, number>, steps: Op[]): void {
  // One table operation, then the checks. Allocation is bounded too: at
  // most one page per slot the operation wrote (its own insert, and one per
  // node it moved), never a whole table at once.
  const operation = <T>(run: () => T, inserts: number, expected: (result: T) => string[]) => {
    const before = pageCount(map);
    const result = run();
    const allocated = pageCount(map) - before;
    const problems = expected(result);
    if (allocated > inserts + map.moved) problems.push(`${allocated} pages in one operation`);
    check(map, model, problems);
    return result;
  };
  const none = () => [];
  for (const step of steps) {
    const key = step.key;
    if (step.kind === "set") {
      const found = operation(() => hmLookup(map, probe(key), sameKey), 0, none);
      model.set(key, step.value);
      if (found) {
        found.value = step.value;
        check(map, model);
      } else {
        operation(() => hmInsert(map, entry(key, step.value)), 1, none);
      }
    } else if (step.kind === "get") {
      operation(
        () => hmLookup(map, probe(key), sameKey)?.value,
        0,
        (value) => (value === model.get(key) ? [] : [`get ${JSON.stringify(key)}: ${value}`]),
      );
    } else {
      const present = model.delete(key);
      operation(
        () => hmDelete(map, probe(key), sameKey),
        0,
        (removed) => ((removed?.key === key) === present ? [] : [`del ${JSON.stringify(key)}`]),
      );
    }
  }
}

const seed = Number(process.env.SEED ?? 20240601);
const options = (numRuns: number) => ({ seed, numRuns, endOnFailure: true });

describe("hashtable against a Map model", () => {
  // Shows: short random sequences of set/get/del agree with a Map, invariants hold at each step.
  test("short sequences, default pages", () => {
    fc.assert(
      fc.property(ops(40, 0, 80), (steps) => runAgainstModel(hmNew(), new Map(), steps)),
      options(200),
    );
  });

  // Shows: long sequences that cross several resizes agree with the model, with tiny pages
  // (8 slots) so that slot arrays of every size are split into many pages.
  test("long sequences crossing several resizes, 8-slot pages", () => {
    fc.assert(
      fc.property(ops(1500, 1000, 3000), (steps) => runAgainstModel(hmNew(8), new Map(), steps)),
      options(6),
    );
  });

  // Shows: operations in the middle of a long resize (8192 keys moving, 64 steps) agree with
  // the model, and each step moves exactly its share.
  test("operations in the middle of a migration", () => {
    const base = hmNew<Entry>();
    const baseModel = new Map<string, number>();
    // 1024 slots hold up to 8191 keys; the 8192nd starts a resize to 2048.
    for (let i = 0; i < 8192; i++) {
      set(base, `k${i}`, i);
      baseModel.set(`k${i}`, i);
    }
    expect(base.older.pages).not.toBeNull();
    expect(base.older.size).toBe(8192 - REHASHING_WORK);
    fc.assert(
      fc.property(ops(9000, 20, 40), (steps) => {
        // A fresh copy of the half-migrated table for each run.
        const map = hmNew<Entry>();
        const model = new Map<string, number>();
        for (let i = 0; i < 8192; i++) {
          set(map, `k${i}`, i);
          model.set(`k${i}`, i);
        }
        runAgainstModel(map, model, steps);
      }),
      options(6),
    );
  });
});

describe("growth and the work bound", () => {
  // Shows: a resize starts exactly when an insert brings the size to 8 keys per slot, no sooner.
  test("grows exactly at the threshold", () => {
    const map = hmNew<Entry>();
    for (let i = 0; i < 20_000; i++) {
      const before = slots(map.newer);
      const migrating = map.older.pages !== null;
      hmInsert(map, entry(`k${i}`, i));
      const reachesThreshold = before > 0 && i + 1 >= before * MAX_LOAD_FACTOR;
      if (before === 0) expect(slots(map.newer)).toBe(INITIAL_SLOTS);
      else if (!migrating && reachesThreshold) expect(slots(map.newer)).toBe(before * 2);
      else expect(slots(map.newer)).toBe(before);
    }
    // 20,000 keys: the table went 4, 8, ..., 4096 slots (the last resize at 16,384 keys).
    expect(slots(map.newer)).toBe(4096);
  });

  // Shows: small tables finish a resize inside the insert that starts it (32 keys <= 128).
  test("a small resize finishes in the insert that starts it", () => {
    const map = hmNew<Entry>();
    for (let i = 0; i < 31; i++) hmInsert(map, entry(`k${i}`, i));
    expect([slots(map.newer), map.older.pages]).toEqual([4, null]);
    hmInsert(map, entry("k31", 31));
    expect([slots(map.newer), map.older.pages, map.moved]).toEqual([8, null, 32]);
  });

  // Shows: while 100,000 keys go in, no operation moves more than 128 nodes, and a resize of
  // n keys takes ceil(n / 128) operations.
  test("no operation moves more than 128 nodes", () => {
    const map = hmNew<Entry>();
    let maxMoved = 0;
    let opsInResize = 0;
    let resizeSize = 0;
    for (let i = 0; i < 100_000; i++) {
      const migrating = map.older.pages !== null;
      hmInsert(map, entry(`k${i}`, i));
      maxMoved = Math.max(maxMoved, map.moved);
      if (!migrating && map.older.pages !== null) {
        // This insert started a resize and did the first share.
        resizeSize = map.older.size + map.moved;
        opsInResize = 1;
      } else if (migrating) {
        opsInResize++;
        if (map.older.pages === null) {
          expect(opsInResize).toBe(Math.ceil(resizeSize / REHASHING_WORK));
        }
      }
    }
    expect(maxMoved).toBe(REHASHING_WORK);
  });

  // Shows: lookups and deletes help the resize along just like inserts do.
  test("lookups and deletes move nodes too", () => {
    const map = hmNew<Entry>();
    for (let i = 0; i < 4096; i++) hmInsert(map, entry(`k${i}`, i));
    expect(map.older.size).toBe(4096 - REHASHING_WORK);
    hmLookup(map, probe("absent"), sameKey);
    expect([map.moved, map.older.size]).toEqual([REHASHING_WORK, 4096 - 2 * REHASHING_WORK]);
    hmDelete(map, probe("absent"), sameKey);
    expect([map.moved, map.older.size]).toEqual([REHASHING_WORK, 4096 - 3 * REHASHING_WORK]);
  });

  // Shows: pages are allocated on first use: the resize to 2048 slots (256 pages of 8) starts
  // with only the few pages that the first 128 moved nodes land in.
  test("a new table allocates its pages lazily", () => {
    const map = hmNew<Entry>(8);
    for (let i = 0; i < 8 * 1024; i++) hmInsert(map, entry(`k${i}`, i));
    expect(map.older.pages).not.toBeNull();
    expect(slots(map.newer)).toBe(2048);
    expect(map.newer.pages).toHaveLength(2048 / 8);
    // Old slot i moves to new slot i or i + 1024: the first shares fill the
    // first pages of each half, in order.
    expect(pagesIn(map.newer)).toBeLessThanOrEqual(2 * Math.ceil(map.migratePos / 8) + 2);
    // The default page is 512 slots: 4 KiB of 8-byte pointers.
    expect(PAGE_SLOTS).toBe(512);
  });
});

describe("keys", () => {
  // Shows: keys are bytes: NUL, 0xFF, invalid UTF-8, the empty key and prefixes are all distinct.
  test("binary keys", () => {
    const keys = [[], [0], [0, 0], [0xff], [0xff, 0xfe], [0xc3], [0xc3, 0xa9], [0x61], [0x61, 0]];
    const map = hmNew<Entry>();
    for (const [i, bytes] of keys.entries()) set(map, Buffer.from(bytes).toString("latin1"), i);
    expect(hmSize(map)).toBe(keys.length);
    keys.forEach((bytes, i) => {
      const key = Buffer.from(bytes).toString("latin1");
      const found = hmLookup(map, probe(key), sameKey);
      expect(found?.value).toBe(i);
      // The byte string gives back exactly the bytes it was made from.
      expect(Buffer.from(found?.key ?? "", "latin1").equals(Buffer.from(bytes))).toBe(true);
    });
  });

  // Shows: keys whose hashes are equal (found by a search, so all land in one chain) are
  // still told apart by `eq`. The book's hash is linear for keys of one length, so two
  // colliding 7-byte blocks make 2^6 colliding 42-byte keys: easy hash flooding.
  test("keys that collide", () => {
    const [a, b] = ["uctxapy", "jzztyyj"];
    expect(strHash(a)).toBe(strHash(b));
    const keys: string[] = [];
    for (let bits = 0; bits < 64; bits++) {
      keys.push(Array.from({ length: 6 }, (_, i) => ((bits >> i) & 1 ? a : b)).join(""));
    }
    expect(new Set(keys.map(strHash)).size).toBe(1);
    const map = hmNew<Entry>();
    const model = new Map<string, number>();
    keys.forEach((key, i) => {
      set(map, key, i);
      model.set(key, i);
    });
    check(map, model);
    // All 64 keys in one slot's chain.
    const pos = strHash(keys[0] ?? "") & map.newer.mask;
    let chain = 0;
    for (let node: HNode | null = hSlot(map.newer, pos); node; node = node.next) chain++;
    expect(chain).toBe(64);
    for (const key of keys.filter((_, i) => i % 3 === 0)) {
      expect(hmDelete(map, probe(key), sameKey)?.key).toBe(key);
      model.delete(key);
      check(map, model);
    }
  });

  // Shows: nodes with equal hash codes but different keys (forced here) share one chain and
  // are found, updated and deleted one by one, from any position in the chain.
  test("equal hash codes, every chain position", () => {
    for (let victim = 0; victim < 20; victim++) {
      const map = hmNew<Entry>();
      const model = new Map<string, number>();
      for (let i = 0; i < 20; i++) {
        set(map, `c${i}`, i, 42);
        model.set(`c${i}`, i);
      }
      const removed = hmDelete(map, probe(`c${victim}`, 42), sameKey);
      expect(removed?.key).toBe(`c${victim}`);
      expect(removed?.next).toBeNull();
      model.delete(`c${victim}`);
      // check() cannot recompute these hashes, so compare by hand.
      expect(hmSize(map)).toBe(model.size);
      for (const [key, value] of model) {
        expect(hmLookup(map, probe(key, 42), sameKey)?.value).toBe(value);
      }
      expect(hmLookup(map, probe(`c${victim}`, 42), sameKey)).toBeNull();
    }
  });
});

describe("hmForeach", () => {
  // Shows: the walk visits every node exactly once, also in the middle of a resize.
  test("visits every node of both tables", () => {
    const map = hmNew<Entry>();
    for (let i = 0; i < 4096; i++) hmInsert(map, entry(`k${i}`, i));
    expect(map.older.size).toBeGreaterThan(0);
    const visited: string[] = [];
    hmForeach(map, (node) => visited.push(node.key) > 0);
    expect(visited.sort()).toEqual(Array.from({ length: 4096 }, (_, i) => `k${i}`).sort());
  });

  // Shows: returning false stops the walk.
  test("stops when the callback returns false", () => {
    const map = hmNew<Entry>();
    for (let i = 0; i < 100; i++) hmInsert(map, entry(`k${i}`, i));
    let calls = 0;
    hmForeach(map, () => ++calls < 10);
    expect(calls).toBe(10);
  });
});

describe("strHash", () => {
  // Shows: the hash equals the book's formula computed with exact integers (BigInt).
  test("matches the book's formula", () => {
    const reference = (s: string) => {
      let h = 0x811c9dc5n;
      for (let i = 0; i < s.length; i++)
        h = ((h + BigInt(s.charCodeAt(i))) * 0x01000193n) % 2n ** 32n;
      return Number(h);
    };
    fc.assert(
      fc.property(byteString, (s) => strHash(s) >>> 0 === reference(s)),
      options(500),
    );
  });

  // Shows: a few values printed by the book's str_hash compiled with gcc (unsigned there).
  test("agrees with the C code", () => {
    expect(strHash("") >>> 0).toBe(2166136261);
    expect(strHash("a") >>> 0).toBe(1712125394);
    expect(strHash("hello") >>> 0).toBe(1759170473);
    expect(strHash(Buffer.from([0, 255, 128, 1]).toString("latin1")) >>> 0).toBe(4120888029);
  });

  // Shows: the hash is a signed 32-bit whole number, so V8 can keep it unboxed in the node.
  test("is a signed 32-bit integer", () => {
    fc.assert(
      fc.property(byteString, (s) => strHash(s) === (strHash(s) | 0)),
      options(200),
    );
  });
});
