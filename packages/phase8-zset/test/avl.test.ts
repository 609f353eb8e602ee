// The AVL tree of chapter 10: the book's test_avl and test_offset, ported,
// plus random operation sequences checked against a sorted array.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type AVLNode,
  avlCnt,
  avlDel,
  avlHeight,
  avlInit,
  avlInsert,
  avlOffset,
  avlRank,
  avlSeekGe,
} from "../src/avl.ts";

// The book's test Data: tree links plus a value, one object.
interface Data extends AVLNode {
  val: number;
}
const newData = (val: number): Data => ({
  parent: null,
  left: null,
  right: null,
  height: 1,
  cnt: 1,
  val,
});
const less = (a: Data, b: Data) => a.val < b.val;

/** The book's Container: a root, and the operations its test uses. */
class Container {
  root: Data | null = null;

  add(val: number): Data {
    const node = newData(val);
    this.root = avlInsert(this.root, node, less);
    return node;
  }

  /** Deletes one node holding `val`; false if there is none. */
  del(val: number): boolean {
    const node = avlSeekGe(this.root, (n) => n.val < val);
    if (node === null || node.val !== val) return false;
    this.root = avlDel(node);
    return true;
  }
}

/**
 * avl_verify + container_verify: parent links, counts, heights, balance
 * and order at every node, and the values in order equal to the sorted
 * model. Collects what is wrong and makes one assertion (it runs about
 * 100,000 times in the exhaustive tests, over 10 million nodes).
 */
function verify(c: Container, model: readonly number[], context = ""): void {
  const problems: string[] = [];
  const values: number[] = [];
  avlVerify(null, c.root, values, problems);
  if (avlCnt(c.root) !== model.length) problems.push(`cnt ${avlCnt(c.root)} != ${model.length}`);
  if (values.length !== model.length || values.some((v, i) => v !== model[i])) {
    problems.push(`in order: ${values} != ${model}`);
  }
  // expect() is slow next to the walk: call it only to report a failure.
  if (problems.length > 0) expect(problems, context).toEqual([]);
}

/** The checks at one node and below; the values in order go to `values`. */
function avlVerify(parent: Data | null, node: Data | null, values: number[], problems: string[]) {
  if (node === null) return;
  const left = node.left as Data | null;
  const right = node.right as Data | null;
  avlVerify(node, left, values, problems);
  values.push(node.val);
  avlVerify(node, right, values, problems);
  const l = avlHeight(left);
  const r = avlHeight(right);
  const ok =
    node.parent === parent &&
    node.cnt === 1 + avlCnt(left) + avlCnt(right) &&
    Math.abs(l - r) <= 1 &&
    node.height === 1 + Math.max(l, r) &&
    (left === null || left.val <= node.val) &&
    (right === null || right.val >= node.val);
  if (!ok) {
    problems.push(
      `node ${node.val}: parent ${node.parent === parent ? "ok" : "wrong"}, cnt ${node.cnt}, height ${node.height}, children ${left?.val} (h=${l}) and ${right?.val} (h=${r})`,
    );
  }
}

/** A sorted copy with `val` added (the model of a multiset). */
const withValue = (model: number[], val: number) => [...model, val].sort((a, b) => a - b);
const withoutValue = (model: number[], val: number) => {
  const i = model.indexOf(val);
  return i < 0 ? model : [...model.slice(0, i), ...model.slice(i + 1)];
};

/** A small seeded PRNG (mulberry32), so that random tests are repeatable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const seed = Number(process.env.SEED ?? 20240601);
const options = (numRuns: number) => ({ seed, numRuns, endOnFailure: true });

describe("test_avl, ported", () => {
  // Shows: the book's quick tests, then 0..999 in steps of 3, 100 random inserts and 200 random
  // deletes on one tree, verified after every step.
  test("quick tests, sequential and random inserts, random deletes", () => {
    const c = new Container();
    verify(c, []);
    c.add(123);
    verify(c, [123]);
    expect(c.del(124)).toBe(false);
    expect(c.del(123)).toBe(true);
    verify(c, []);

    let model: number[] = [];
    for (let val = 0; val < 1000; val += 3) {
      c.add(val);
      model = withValue(model, val);
      verify(c, model);
    }

    const random = prng(seed);
    const context = `seed ${seed} (rerun with SEED=${seed})`;
    for (let i = 0; i < 100; i++) {
      const val = Math.floor(random() * 1000);
      c.add(val);
      model = withValue(model, val);
      verify(c, model, context);
    }
    for (let i = 0; i < 200; i++) {
      const val = Math.floor(random() * 1000);
      expect(c.del(val), context).toBe(model.includes(val));
      model = withoutValue(model, val);
      verify(c, model, context);
    }
  });

  // Shows: for every size below 200, inserting any value (missing or duplicate) and deleting any
  // value, at every position, leaves a valid tree (the book's test_insert, test_insert_dup and
  // test_remove).
  test("insertion and deletion at every position, sizes 0..199", () => {
    const upTo = (n: number, skip = -1) =>
      Array.from({ length: n }, (_, i) => i).filter((i) => i !== skip);
    for (let size = 0; size < 200; size++) {
      for (let val = 0; val < size; val++) {
        // test_insert: every value but `val`, then `val`.
        let c = new Container();
        for (const i of upTo(size, val)) c.add(i);
        verify(c, upTo(size, val));
        c.add(val);
        verify(c, upTo(size));
        // test_insert_dup: every value, then `val` again.
        c = new Container();
        for (const i of upTo(size)) c.add(i);
        c.add(val);
        verify(c, withValue(upTo(size), val));
        // test_remove: every value, then delete `val`.
        c = new Container();
        for (const i of upTo(size)) c.add(i);
        expect(c.del(val)).toBe(true);
        verify(c, upTo(size, val));
      }
    }
  });
});

describe("test_offset, ported", () => {
  // Shows: in trees of 1..499 nodes, offsets from every node land on the right node, and one
  // step past either end gives null; avlRank gives every node's position. The book tries every
  // (start, target) pair at every size: 41 million walks, about 10 s of CPU in JavaScript. Here
  // every pair is tried for sizes below 200 and at 255, 256, 257, 384 and 499 (around the sizes
  // where the tree's shape changes); at the other sizes each start node tries 0, +-1, +-2, +-7,
  // both ends, and one past each end.
  test("offsets from every node", () => {
    const problems: string[] = [];
    const allPairs = new Set([255, 256, 257, 384, 499]);
    for (let size = 1; size < 500; size++) {
      const c = new Container();
      for (let i = 0; i < size; i++) c.add(i);
      let min = c.root as Data;
      while (min.left) min = min.left as Data;
      const every = size < 200 || allPairs.has(size);
      for (let i = 0; i < size; i++) {
        const node = avlOffset(min, i);
        if (node?.val !== i) problems.push(`size ${size}: offset ${i} from the first`);
        if (node === null) continue;
        if (avlRank(node) !== i) problems.push(`size ${size}: rank of ${i} is ${avlRank(node)}`);
        const targets = every
          ? Array.from({ length: size }, (_, j) => j)
          : [i, i - 1, i + 1, i - 2, i + 2, i - 7, i + 7, 0, size - 1];
        for (const j of targets) {
          if (j < 0 || j >= size) continue;
          if (avlOffset(node, j - i)?.val !== j) problems.push(`size ${size}: ${i} + ${j - i}`);
        }
        if (avlOffset(node, -i - 1) !== null) problems.push(`size ${size}: ${i} - ${i + 1}`);
        if (avlOffset(node, size - i) !== null) problems.push(`size ${size}: ${i} + ${size - i}`);
      }
      // One failing size says enough.
      if (problems.length > 0) break;
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  // Shows: offsets far past either end (beyond any subtree count) are null too.
  test("huge offsets are null", () => {
    const c = new Container();
    for (let i = 0; i < 100; i++) c.add(i);
    const node = avlSeekGe(c.root, (n) => n.val < 50) as Data;
    for (const offset of [1000, -1000, 2 ** 40, -(2 ** 40)])
      expect(avlOffset(node, offset)).toBeNull();
  });
});

type Op =
  | { kind: "insert"; val: number }
  | { kind: "delete"; val: number }
  | { kind: "offset"; from: number; by: number }
  | { kind: "seek"; val: number };

describe("random operation sequences against a sorted array", () => {
  // Shows: any mix of inserts (duplicates included), deletes, offsets, ranks and seeks keeps
  // every invariant and agrees with a sorted array.
  test("agrees with the model at every step", () => {
    const val = fc.integer({ min: 0, max: 60 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant("insert" as const), val }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), val }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("offset" as const),
          from: fc.nat(),
          by: fc.integer({ min: -80, max: 80 }),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("seek" as const), val }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150, size: "max" }), (ops) => {
        const c = new Container();
        const nodes: Data[] = []; // the model: nodes in order
        for (const step of ops) {
          if (step.kind === "insert") {
            const node = c.add(step.val);
            // Equal values keep insertion order: the new one goes after them.
            const at = nodes.findIndex((n) => n.val > step.val);
            nodes.splice(at < 0 ? nodes.length : at, 0, node);
          } else if (step.kind === "delete") {
            const at = nodes.findIndex((n) => n.val === step.val);
            expect(c.del(step.val)).toBe(at >= 0);
            // Which of several equal nodes went does not matter to the order of values.
            if (at >= 0) nodes.splice(at, 1);
          } else if (step.kind === "offset") {
            if (nodes.length === 0) continue;
            const from = step.from % nodes.length;
            const node = nodes[from] as Data;
            expect(avlRank(node)).toBe(from);
            const target = from + step.by;
            const expected = target >= 0 && target < nodes.length ? nodes[target]?.val : undefined;
            expect(avlOffset(node, step.by)?.val).toBe(expected);
          } else {
            const found = avlSeekGe(c.root, (n) => n.val < step.val);
            expect(found?.val).toBe(nodes.find((n) => n.val >= step.val)?.val);
          }
          verify(
            c,
            nodes.map((n) => n.val),
          );
        }
      }),
      options(300),
    );
  });
});

describe("avlDel and avlInit", () => {
  // Shows: deleting a node with two children keeps every other node object in the tree (the
  // successor moves into its place; nothing else is copied), and the deleted node can be reused
  // after avlInit.
  test("other nodes keep their identity, a deleted node can go back in", () => {
    const c = new Container();
    const nodes = Array.from({ length: 31 }, (_, i) => c.add(i));
    const root = c.root as Data;
    expect(root.left && root.right).toBeTruthy();
    c.root = avlDel(root);
    const rest = nodes.filter((n) => n !== root);
    for (const [i, node] of rest.entries()) expect(avlRank(node)).toBe(i);
    avlInit(root);
    c.root = avlInsert(c.root, root, less);
    verify(
      c,
      nodes.map((n) => n.val),
    );
  });

  // Shows: deleting every node, in an order that hits roots, leaves and inner nodes, ends empty.
  test("deleting everything gives an empty tree", () => {
    const c = new Container();
    let model: number[] = [];
    for (let i = 0; i < 64; i++) {
      c.add((i * 37) % 64);
      model = withValue(model, (i * 37) % 64);
    }
    for (let i = 0; i < 64; i++) {
      expect(c.del((i * 11) % 64)).toBe(true);
      model = withoutValue(model, (i * 11) % 64);
      verify(c, model);
    }
    expect(c.root).toBeNull();
  });
});
