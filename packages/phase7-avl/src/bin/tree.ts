// Entry point: `pnpm --filter phase7-avl tree [flags] <number>...`.
// Inserts the numbers one by one into an AVL tree and prints the tree after
// each step, saying which rotations rebalanced it; then deletes the
// --delete numbers the same way. The tree is ../avl.ts, the pictures
// ../avl-print.ts; this file only reads flags and narrates.
import { boolFlag, main, type Program, parseFlags, UsageError } from "@rah/core";
import { avlDel, avlInsert } from "../avl.ts";
import { findRotations, parentLinks, treeMermaid, treeText } from "../avl-print.ts";
import { type NumNode, numLabel, numLess, numNode, numSeekGe } from "../num-tree.ts";

const MAX_NUMBER = 999_999_999;

const program: Program = {
  usage: "pnpm --filter phase7-avl tree [flags]",
  role: "tool",
  args: "<number>...",
  summary:
    "Inserts whole numbers one by one into an AVL tree and prints the tree after each step (sideways: the root at the left, bigger numbers above), with each node's height h and subtree size cnt, and says when a rotation rebalanced it.",
  flags: {
    delete: {
      type: "string",
      value: "<n>[,<n>...]",
      description: "after the inserts, delete these numbers one by one",
    },
    mermaid: {
      type: "boolean",
      description: "print each tree as a Mermaid graph (paste into Markdown) instead of text",
    },
  },
  examples: [
    "pnpm --filter phase7-avl tree 5 3 8 1 4",
    "pnpm --filter phase7-avl tree 1 2 3 4 5 6 7 --delete 4,1",
    "pnpm --filter phase7-avl tree 3 1 2 --mermaid",
  ],
};

main(
  async (argv) => {
    const { values, positionals } = parseFlags(argv, program);
    const inserts = positionals.map((word) => parseNumber(word, "tree takes numbers to insert"));
    if (inserts.length === 0) {
      throw new UsageError("nothing to insert: give some numbers, like: tree 5 3 8 1 4");
    }
    const deletes =
      typeof values.delete === "string"
        ? values.delete.split(",").map((word) => parseNumber(word.trim(), "--delete takes numbers"))
        : [];
    // Refuse a delete of a number that will not be there, before printing anything.
    const counts = new Map<number, number>();
    for (const n of inserts) counts.set(n, (counts.get(n) ?? 0) + 1);
    for (const n of deletes) {
      const left = counts.get(n);
      if (left === undefined) {
        throw new UsageError(`--delete ${n}: ${n} is not among the numbers inserted`);
      }
      if (left === 0) throw new UsageError(`--delete lists ${n} more times than it was inserted`);
      counts.set(n, left - 1);
    }
    const mermaid = boolFlag(values, "mermaid");
    const print = (title: string, root: NumNode | null) => {
      if (mermaid)
        process.stdout.write(`${title}\n\n\`\`\`mermaid\n${treeMermaid(root, numLabel)}\`\`\`\n\n`);
      else process.stdout.write(`${title}\n${treeText(root, numLabel)}\n`);
    };

    let root: NumNode | null = null;
    for (const key of inserts) {
      // What a plain binary search tree would look like after this insert:
      // the new node hangs where the search for it ends.
      const plain = parentLinks(root);
      const node = numNode(key);
      plain.set(node, searchEnd(root, key));
      root = avlInsert(root, node, numLess);
      print(`insert ${key}: ${describe(findRotations(plain, root))}`, root);
    }
    for (const key of deletes) {
      const node = numSeekGe(root, key);
      if (node === null || node.key !== key) throw new Error(`${key} vanished from the tree`);
      const plain = plainDelete(parentLinks(root), node);
      root = avlDel(node);
      print(`delete ${key}: ${describe(findRotations(plain, root))}`, root);
    }
    return 0;
  },
  { onSignal: "exit" },
);

/** A whole number from 0 to MAX_NUMBER, or a one-sentence UsageError. */
function parseNumber(word: string, what: string): number {
  if (!/^\d{1,9}$/.test(word)) {
    throw new UsageError(
      `"${word}" is not a whole number from 0 to ${MAX_NUMBER}: ${what}, like 5 3 8`,
    );
  }
  return Number(word);
}

/** The node under which a plain search for `key` ends (equal keys go right, as in avlInsert). */
function searchEnd(root: NumNode | null, key: number): NumNode | null {
  let parent: NumNode | null = null;
  for (let cur = root; cur !== null; cur = (key < cur.key ? cur.left : cur.right) as NumNode) {
    parent = cur;
  }
  return parent;
}

/**
 * The parent links after deleting `node` from a plain binary search tree,
 * the way avlDel does before it rebalances: a node with at most one child
 * is replaced by that child; otherwise its successor is unlinked and takes
 * its place.
 */
function plainDelete(links: Map<NumNode, NumNode | null>, node: NumNode): typeof links {
  const parent = links.get(node) ?? null;
  const left = node.left as NumNode | null;
  const right = node.right as NumNode | null;
  links.delete(node);
  if (left === null || right === null) {
    const child = left ?? right;
    if (child) links.set(child, parent);
    return links;
  }
  let successor = right;
  while (successor.left) successor = successor.left as NumNode;
  // The successor's right child (it has no left one) takes its place...
  if (successor.right) {
    const above = successor === right ? successor : (links.get(successor) ?? null);
    links.set(successor.right as NumNode, above);
  }
  // ...and the successor takes the deleted node's place.
  links.set(successor, parent);
  links.set(left, successor);
  if (successor !== right) links.set(right, successor);
  return links;
}

/** "no rotation", or which nodes rose above which. */
function describe(rotations: { riser: NumNode; above: NumNode[] }[]): string {
  if (rotations.length === 0) return "no rotation";
  return rotations
    .map(({ riser, above }) => {
      const kind =
        above.length === 1 ? "rotation" : above.length === 2 ? "double rotation" : "rotations";
      return `${kind}, ${riser.key} rose above ${above.map((n) => n.key).join(" and ")}`;
    })
    .join("; ");
}
