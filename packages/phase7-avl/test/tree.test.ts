// The AVL visualiser (avl-print.ts) and the `tree` script: the pictures,
// the rotations it reports, and its answers to mistakes.
import { fileURLToPath } from "node:url";
import { runProgram } from "@rah/core/testing";
import { describe, expect, test } from "vitest";
import { avlDel, avlInsert } from "../src/avl.ts";
import { findRotations, parentLinks, treeMermaid, treeText } from "../src/avl-print.ts";
import { type NumNode, numLabel, numLess, numNode, numSeekGe } from "../src/num-tree.ts";

const TREE = fileURLToPath(new URL("../src/bin/tree.ts", import.meta.url));

const build = (keys: number[]) =>
  keys.reduce<NumNode | null>((root, key) => avlInsert(root, numNode(key), numLess), null);

describe("treeText", () => {
  // Shows: the sideways picture: right subtree above, left below, bars joining a node to its
  // parent across the lines between them, height and count on every node.
  test("draws the tree sideways", () => {
    expect(treeText(build([4, 2, 6, 1, 3, 5, 7, 8]), numLabel)).toBe(
      [
        "        ┌── 8 (h=1 cnt=1)",
        "    ┌── 7 (h=2 cnt=2)",
        "┌── 6 (h=3 cnt=4)",
        "│   └── 5 (h=1 cnt=1)",
        "4 (h=4 cnt=8)",
        "│   ┌── 3 (h=1 cnt=1)",
        "└── 2 (h=2 cnt=3)",
        "    └── 1 (h=1 cnt=1)",
        "",
      ].join("\n"),
    );
  });

  // Shows: an empty tree says so.
  test("empty tree", () => {
    expect(treeText(null, numLabel)).toBe("(empty tree)\n");
  });

  // Shows: reading the lines bottom-up gives the keys in order, for trees of any size.
  test("bottom-up is in order", () => {
    const keys = Array.from({ length: 50 }, (_, i) => (i * 17) % 50);
    const lines = treeText(build(keys), numLabel).trimEnd().split("\n").reverse();
    const read = lines.map((line) => Number(/(\d+) \(h=/.exec(line)?.[1]));
    expect(read).toEqual([...keys].sort((a, b) => a - b));
  });
});

describe("treeMermaid", () => {
  // Shows: one Mermaid node per tree node with its height and count, edges labelled L and R.
  test("draws a graph TD", () => {
    expect(treeMermaid(build([2, 1, 3]), numLabel)).toBe(
      [
        "graph TD",
        '  n0["2<br/>h=2 cnt=3"]',
        '  n1["1<br/>h=1 cnt=1"]',
        "  n0 -->|L| n1",
        '  n2["3<br/>h=1 cnt=1"]',
        "  n0 -->|R| n2",
        "",
      ].join("\n"),
    );
  });

  // Shows: a lone child keeps its side in the label.
  test("a lone right child is labelled R", () => {
    expect(treeMermaid(build([1, 2]), numLabel)).toContain("n0 -->|R| n1");
  });
});

describe("findRotations", () => {
  // Returns the rotations that an insert of `key` into the tree of `keys` makes.
  const rotationsOnInsert = (keys: number[], key: number) => {
    let root = build(keys);
    const plain = parentLinks(root);
    const fresh = numNode(key);
    let parent: NumNode | null = null;
    for (let cur = root; cur; cur = (key < cur.key ? cur.left : cur.right) as NumNode | null) {
      parent = cur;
    }
    plain.set(fresh, parent);
    root = avlInsert(root, fresh, numLess);
    return findRotations(plain, root).map(({ riser, above }) => [riser.key, above.map(numLabel)]);
  };

  // Shows: 1 2 3 is a single rotation (2 rises above 1), 3 1 2 a double one (2 above 1 and 3).
  test("single and double rotations", () => {
    expect(rotationsOnInsert([1, 2], 3)).toEqual([[2, ["1"]]]);
    expect(rotationsOnInsert([3, 2], 1)).toEqual([[2, ["3"]]]);
    expect(rotationsOnInsert([3, 1], 2)).toEqual([[2, ["1", "3"]]]);
    expect(rotationsOnInsert([1, 3], 2)).toEqual([[2, ["3", "1"]]]);
    expect(rotationsOnInsert([2, 1, 3], 4)).toEqual([]);
  });

  // Shows: an unchanged tree has no rotations.
  test("no change, no rotation", () => {
    const root = build([5, 3, 8, 1]);
    expect(findRotations(parentLinks(root), root)).toEqual([]);
  });
});

describe("the tree script", () => {
  // Shows: each insert prints the tree and says when a rotation happened.
  test("narrates inserts and rotations", async () => {
    const run = await runProgram(TREE, ["1", "2", "3"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("insert 1: no rotation\n1 (h=1 cnt=1)\n");
    expect(run.stdout).toContain("insert 3: rotation, 2 rose above 1\n┌── 3 (h=1 cnt=1)\n2 (h=2");
  });

  // Shows: --delete removes numbers afterwards, reporting rotations too, and --mermaid prints
  // Mermaid blocks.
  test("--delete and --mermaid", async () => {
    const run = await runProgram(TREE, ["2", "1", "3", "4", "--delete", "1", "--mermaid"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("delete 1: rotation, 3 rose above 2\n\n```mermaid\ngraph TD\n");
    expect(run.stdout.match(/```mermaid/g)).toHaveLength(5);
  });

  // Shows: the deletes in the script agree with the library (same final tree).
  test("the final tree after deletes", async () => {
    const run = await runProgram(TREE, ["5", "3", "8", "1", "4", "7", "9", "--delete", "5,8"]);
    let root = build([5, 3, 8, 1, 4, 7, 9]);
    for (const key of [5, 8]) {
      const victim = numSeekGe(root, key);
      if (victim) root = avlDel(victim);
    }
    expect(run.stdout.endsWith(`${treeText(root, numLabel)}\n`)).toBe(true);
  });

  // Shows: a stray word is refused with one sentence and exit code 2, before any output.
  test("refuses a word that is not a number", async () => {
    const run = await runProgram(TREE, ["5", "three", "8"]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'error: "three" is not a whole number from 0 to 999999999: tree takes numbers to insert, like 5 3 8\n',
    );
  });

  // Shows: deleting a number that was never inserted, or no numbers at all, are usage errors.
  test("refuses impossible deletes and an empty tree", async () => {
    const missing = await runProgram(TREE, ["5", "--delete", "6"]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      "error: --delete 6: 6 is not among the numbers inserted\n",
    ]);
    const empty = await runProgram(TREE, []);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^error: nothing to insert/);
  });

  // Shows: --help explains the script and exits 0.
  test("--help", async () => {
    const run = await runProgram(TREE, ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: pnpm --filter phase\d+-\w+ tree /);
    expect(run.stdout).toContain("--mermaid");
  });
});
