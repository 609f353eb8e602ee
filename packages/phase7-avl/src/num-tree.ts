// A tree of plain numbers: what the scripts that show and time the tree
// (`tree`, `tree-bench`, the demo) and their tests put in it. avl.ts only
// knows the links; a tree's user adds what it orders by, as chapter 11's
// sorted set adds a score and a name. This is the smallest such node.
import { type AVLNode, avlSeekGe } from "./avl.ts";

/** Tree links plus the number the tree orders by. */
export interface NumNode extends AVLNode {
  key: number;
}

/** A node holding `key`: a tree of one, as avlInit() makes it. */
export function numNode(key: number): NumNode {
  return { parent: null, left: null, right: null, height: 1, cnt: 1, key };
}

/** The order: by key. */
export const numLess = (a: NumNode, b: NumNode): boolean => a.key < b.key;

/** A node as the pictures show it (avl-print.ts): its number. */
export const numLabel = (node: NumNode): string => String(node.key);

/** The first node whose key is at least `key`, or null. */
export const numSeekGe = (root: NumNode | null, key: number): NumNode | null =>
  avlSeekGe(root, (node) => node.key < key);
