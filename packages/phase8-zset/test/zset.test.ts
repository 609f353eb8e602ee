// The sorted set of chapter 11: the tree and the hashtable over the same
// nodes agree with a sorted array, names order bytewise, and scores order
// as the C's doubles do (-0 equals 0, infinities at the ends).
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { avlCnt } from "../src/avl.ts";
import { hmForeach, hmSize } from "../src/hashtable.ts";
import {
  type ZNode,
  type ZSet,
  znodeOffset,
  zsetClear,
  zsetDelete,
  zsetInsert,
  zsetLookup,
  zsetNew,
  zsetSeek,
} from "../src/zset.ts";

const bytes = (...values: number[]) => Buffer.from(values).toString("latin1");

/** Every node in tree order. */
function inOrder(zset: ZSet): ZNode[] {
  const nodes: ZNode[] = [];
  const visit = (node: ZNode | null): void => {
    if (node === null) return;
    visit(node.left as ZNode | null);
    nodes.push(node);
    visit(node.right as ZNode | null);
  };
  visit(zset.root);
  return nodes;
}

/** The pairs in order, as [name, score]. */
const pairs = (zset: ZSet) => inOrder(zset).map((n) => [n.name, n.score] as const);

/** ZQUERY's walk: from the first pair >= (score, name), skip `offset`, take up to `limit` pairs. */
function query(zset: ZSet, score: number, name: string, offset: number, limit: number) {
  const out: [string, number][] = [];
  for (let n = znodeOffset(zsetSeek(zset, score, name), offset); n && out.length < limit; ) {
    out.push([n.name, n.score]);
    n = znodeOffset(n, 1);
  }
  return out;
}

/** The model's order: score, then name bytewise with a prefix first (the book's zless). */
function modelLess(a: { score: number; name: string }, score: number, name: string): boolean {
  if (a.score !== score) return a.score < score;
  return Buffer.compare(Buffer.from(a.name, "latin1"), Buffer.from(name, "latin1")) < 0;
}

/**
 * Both indexes hold exactly the model's pairs: the tree in the model's
 * order, the hashtable every node, one object for both; counts agree.
 */
function check(zset: ZSet, model: { name: string; score: number }[]): void {
  const problems: string[] = [];
  const tree = inOrder(zset);
  const got = tree.map((n) => `${JSON.stringify(n.name)}=${n.score}`).join(" ");
  const want = model.map((p) => `${JSON.stringify(p.name)}=${p.score}`).join(" ");
  if (got !== want) problems.push(`tree: ${got}\nmodel: ${want}`);
  for (const [i, n] of tree.entries()) {
    if (!Object.is(n.score, model[i]?.score)) problems.push(`${n.name}: score ${n.score}`);
  }
  if (avlCnt(zset.root) !== model.length) problems.push(`tree cnt ${avlCnt(zset.root)}`);
  if (hmSize(zset.hmap) !== model.length) problems.push(`hashtable size ${hmSize(zset.hmap)}`);
  const inTree = new Set(tree);
  hmForeach(zset.hmap, (node) => {
    if (!inTree.has(node)) problems.push(`${node.name} is in the hashtable, not the tree`);
    return true;
  });
  if (problems.length > 0) expect(problems).toEqual([]);
}

const seed = Number(process.env.SEED ?? 20240601);
const options = (numRuns: number) => ({ seed, numRuns, endOnFailure: true });

// Names: a small pool (so updates and deletes hit) plus arbitrary bytes.
const name = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("a", "b", "ab", "a\0", "", "n1", "n2", "\xff") },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b).toString("latin1")),
  },
);
// Scores: the edge cases, small repeats (ties), and any double but NaN.
const score = fc.oneof(
  fc.constantFrom(0, -0, 1, 1.1, -1, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.double({ noNaN: true }),
);

type Op =
  | { kind: "insert"; name: string; score: number }
  | { kind: "delete"; name: string }
  | { kind: "lookup"; name: string }
  | { kind: "seek"; name: string; score: number; offset: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), name, score }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("lookup" as const), name }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("seek" as const),
      name,
      score,
      offset: fc.integer({ min: -12, max: 12 }),
    }),
  },
);

describe("zset against a sorted array", () => {
  // Shows: random inserts, updates, deletes, lookups and seek+offset agree with a sorted array
  // of pairs, and both indexes stay in step after every operation.
  test("agrees with the model at every step", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120, size: "max" }), (ops) => {
        const zset = zsetNew();
        let model: { name: string; score: number }[] = [];
        for (const step of ops) {
          const at = model.findIndex((p) => p.name === step.name);
          if (step.kind === "insert") {
            expect(zsetInsert(zset, step.name, step.score)).toBe(at < 0);
            // An update to an equal score (0 and -0 included) keeps the stored one.
            const old = model[at];
            if (old === undefined || old.score !== step.score) {
              model = model.filter((p) => p.name !== step.name);
              const pos = model.findIndex((p) => !modelLess(p, step.score, step.name));
              model.splice(pos < 0 ? model.length : pos, 0, { name: step.name, score: step.score });
            }
          } else if (step.kind === "delete") {
            const node = zsetLookup(zset, step.name);
            expect(node === null).toBe(at < 0);
            if (node) zsetDelete(zset, node);
            model = model.filter((p) => p.name !== step.name);
          } else if (step.kind === "lookup") {
            expect(zsetLookup(zset, step.name)?.score).toBe(model[at]?.score);
          } else {
            const first = model.findIndex((p) => !modelLess(p, step.score, step.name));
            const target = first < 0 ? -1 : first + step.offset;
            const found = znodeOffset(zsetSeek(zset, step.score, step.name), step.offset);
            expect(found?.name).toBe(model[target]?.name);
          }
          check(zset, model);
        }
      }),
      options(300),
    );
  });

  // Shows: the book's test_cmds.py sequence, at the data-structure level.
  test("the book's zadd/zquery/zrem sequence", () => {
    const zset = zsetNew();
    expect(zsetLookup(zset, "n1")).toBeNull();
    expect(query(zset, 1, "asdf", 1, 10)).toEqual([]);
    expect(zsetInsert(zset, "n1", 1)).toBe(true);
    expect(zsetInsert(zset, "n2", 2)).toBe(true);
    expect(zsetInsert(zset, "n1", 1.1)).toBe(false);
    expect(zsetLookup(zset, "n1")?.score).toBe(1.1);
    expect(query(zset, 1, "", 0, 10)).toEqual([
      ["n1", 1.1],
      ["n2", 2],
    ]);
    expect(query(zset, 1.1, "", 1, 10)).toEqual([["n2", 2]]);
    expect(query(zset, 1.1, "", 2, 10)).toEqual([]);
    expect(zsetLookup(zset, "adsf")).toBeNull();
    const n1 = zsetLookup(zset, "n1");
    if (n1) zsetDelete(zset, n1);
    expect(query(zset, 1, "", 0, 10)).toEqual([["n2", 2]]);
  });
});

describe("updates", () => {
  // Shows: re-adding a member with the same score changes nothing: reply false, same node,
  // same place.
  test("re-adding with the same score", () => {
    const zset = zsetNew();
    for (const [i, n] of ["a", "b", "c", "d", "e"].entries()) zsetInsert(zset, n, i);
    const before = inOrder(zset);
    const root = zset.root;
    expect(zsetInsert(zset, "c", 2)).toBe(false);
    expect(inOrder(zset)).toEqual(before);
    expect(inOrder(zset).every((node, i) => node === before[i])).toBe(true);
    expect(zset.root).toBe(root);
  });

  // Shows: a new score moves the same node object to its new place; the hashtable still finds it.
  test("a new score moves the node", () => {
    const zset = zsetNew();
    for (const [i, n] of ["a", "b", "c", "d", "e"].entries()) zsetInsert(zset, n, i);
    const c = zsetLookup(zset, "c");
    expect(zsetInsert(zset, "c", 10)).toBe(false);
    expect(pairs(zset).map(([n]) => n)).toEqual(["a", "b", "d", "e", "c"]);
    expect(zsetLookup(zset, "c")).toBe(c);
    expect(inOrder(zset).at(-1)).toBe(c);
  });
});

describe("names", () => {
  // Shows: names order bytewise with a prefix first, exactly as Buffer.compare (memcmp, then
  // length) orders their bytes.
  test("equal scores order like Buffer.compare", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ maxLength: 5 }), {
          comparator: (a, b) => Buffer.compare(a, b) === 0,
          maxLength: 30,
        }),
        (names) => {
          const zset = zsetNew();
          for (const n of names) zsetInsert(zset, Buffer.from(n).toString("latin1"), 7);
          const sorted = names.map((n) => Buffer.from(n)).sort(Buffer.compare);
          expect(inOrder(zset).map((node) => Buffer.from(node.name, "latin1"))).toEqual(sorted);
        },
      ),
      options(200),
    );
  });

  // Shows: binary names (NUL, 0xFF, invalid UTF-8, empty) are distinct members, in byte order.
  test("binary names", () => {
    const zset = zsetNew();
    const names = [bytes(0xff), bytes(0x61, 0), "", bytes(0), bytes(0xc3), "a", bytes(0x61, 1)];
    for (const n of names) expect(zsetInsert(zset, n, 1)).toBe(true);
    expect(pairs(zset).map(([n]) => n)).toEqual([
      "",
      bytes(0),
      "a",
      bytes(0x61, 0),
      bytes(0x61, 1),
      bytes(0xc3),
      bytes(0xff),
    ]);
    for (const n of names) expect(zsetLookup(zset, n)?.name).toBe(n);
  });
});

describe("scores", () => {
  // Shows: -0 equals 0 as in C: the two tie and order by name, re-adding with the other zero is
  // not an update (reply false, the stored zero keeps its sign), and seeking either finds both.
  test("-0 and 0", () => {
    const zset = zsetNew();
    zsetInsert(zset, "b", -0);
    zsetInsert(zset, "a", 0);
    expect(pairs(zset).map(([n]) => n)).toEqual(["a", "b"]);
    expect(zsetInsert(zset, "b", 0)).toBe(false);
    expect(Object.is(zsetLookup(zset, "b")?.score, -0)).toBe(true);
    expect(zsetSeek(zset, 0, "")?.name).toBe("a");
    expect(zsetSeek(zset, -0, "")?.name).toBe("a");
    expect(zsetSeek(zset, -0, "b")?.name).toBe("b");
  });

  // Shows: -Infinity sorts first and Infinity last; seeking past the last pair gives null.
  test("infinities", () => {
    const zset = zsetNew();
    zsetInsert(zset, "mid", 0);
    zsetInsert(zset, "top", Number.POSITIVE_INFINITY);
    zsetInsert(zset, "bottom", Number.NEGATIVE_INFINITY);
    expect(pairs(zset).map(([n]) => n)).toEqual(["bottom", "mid", "top"]);
    expect(zsetSeek(zset, Number.POSITIVE_INFINITY, "")?.name).toBe("top");
    expect(zsetSeek(zset, Number.POSITIVE_INFINITY, "u")).toBeNull();
    expect(zsetSeek(zset, Number.NEGATIVE_INFINITY, "")?.name).toBe("bottom");
    // A seek that finds nothing stays nothing, whatever the offset (as ZQUERY does).
    expect(znodeOffset(zsetSeek(zset, Number.POSITIVE_INFINITY, "u"), -2)).toBeNull();
  });

  // Shows: NaN is refused: it equals nothing and would break the order.
  test("NaN is refused", () => {
    const zset = zsetNew();
    expect(() => zsetInsert(zset, "x", Number.NaN)).toThrow(RangeError);
    expect(() => zsetSeek(zset, Number.NaN, "")).toThrow(RangeError);
    expect(zsetLookup(zset, "x")).toBeNull();
  });
});

describe("zsetClear and zsetDelete", () => {
  // Shows: clearing empties both indexes, and the set works again afterwards.
  test("clear", () => {
    const zset = zsetNew();
    for (let i = 0; i < 1000; i++) zsetInsert(zset, `m${i}`, i % 7);
    zsetClear(zset);
    check(zset, []);
    expect(zsetLookup(zset, "m1")).toBeNull();
    expect(zsetInsert(zset, "m1", 3)).toBe(true);
    check(zset, [{ name: "m1", score: 3 }]);
  });

  // Shows: a set big enough to resize its hashtable several times still agrees, member by member,
  // as every member is deleted in a scrambled order; a deleted node has no links left.
  test("many members", () => {
    const zset = zsetNew();
    const n = 3000;
    for (let i = 0; i < n; i++) zsetInsert(zset, `m${i}`, (i * 7919) % 101);
    expect(avlCnt(zset.root)).toBe(n);
    for (let k = 0; k < n; k++) {
      const i = (k * 1237) % n;
      const node = zsetLookup(zset, `m${i}`);
      expect(node?.score).toBe((i * 7919) % 101);
      if (node) zsetDelete(zset, node);
      expect([node?.parent, node?.left, node?.right, node?.next]).toEqual([null, null, null, null]);
    }
    check(zset, []);
  });

  // Shows: deleting a node that is not in the set is a bug, and says so.
  test("deleting a stranger throws", () => {
    const zset = zsetNew();
    zsetInsert(zset, "a", 1);
    const other = zsetNew();
    zsetInsert(other, "a", 1);
    const stranger = zsetLookup(other, "a");
    if (stranger === null) throw new Error("setup");
    expect(() => zsetDelete(zset, stranger)).toThrow(/not in this set/);
  });
});
