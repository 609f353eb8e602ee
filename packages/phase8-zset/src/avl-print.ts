// Pictures of an AVL tree, for the `tree` script and for debugging: as text
// turned sideways (the root at the left, the right subtree above it), and
// as a Mermaid graph that GitHub renders in Markdown. Every node shows its
// key, its height and its subtree count, the two fields avl.ts maintains.
import type { AVLNode } from "./avl.ts";

/** How a node's key is written: the caller knows what its nodes hold. */
export type Label<N extends AVLNode> = (node: N) => string;

/**
 * The tree sideways, one node per line; "(empty tree)" for null. Tilt your
 * head to the left: the root is at the left edge, its right subtree above
 * it, its left subtree below, and in-order runs from the bottom line up.
 *
 * ```
 *     ┌── 9 (h=1 cnt=1)
 * ┌── 8 (h=2 cnt=2)
 * 5 (h=3 cnt=4)
 * └── 3 (h=1 cnt=1)
 * ```
 */
export function treeText<N extends AVLNode>(root: N | null, label: Label<N>): string {
  if (root === null) return "(empty tree)\n";
  const lines: string[] = [];
  const visit = (node: N, prefix: string, edge: "root" | "right" | "left") => {
    const text = `${label(node)} (h=${node.height} cnt=${node.cnt})`;
    // The children's prefix: a bar continues this node's branch line
    // towards its parent, through the lines between them. A right child's
    // parent is below it, so its left subtree's lines need the bar; a left
    // child's parent is above it, so its right subtree's lines do.
    const indent = (bar: boolean) => (edge === "root" ? "" : prefix + (bar ? "│   " : "    "));
    if (node.right) visit(node.right as N, indent(edge === "left"), "right");
    const branch = edge === "root" ? "" : edge === "right" ? "┌── " : "└── ";
    lines.push(`${prefix}${branch}${text}`);
    if (node.left) visit(node.left as N, indent(edge === "right"), "left");
  };
  visit(root, "", "root");
  return `${lines.join("\n")}\n`;
}

/**
 * The tree as a Mermaid flowchart (`graph TD`), without the ``` fence.
 * Edges are labelled L and R: Mermaid does not keep a lone child on its
 * side, so the label says which side it hangs on.
 */
export function treeMermaid<N extends AVLNode>(root: N | null, label: Label<N>): string {
  const lines = ["graph TD"];
  if (root === null) {
    lines.push('  empty["(empty tree)"]');
    return `${lines.join("\n")}\n`;
  }
  let nextId = 0;
  // Each node gets an id in the order it is visited (root first).
  const visit = (node: N): string => {
    const id = `n${nextId++}`;
    // Quotes would end Mermaid's label: replace them with an entity.
    const text = label(node).replaceAll('"', "#quot;");
    lines.push(`  ${id}["${text}<br/>h=${node.height} cnt=${node.cnt}"]`);
    if (node.left) lines.push(`  ${id} -->|L| ${visit(node.left as N)}`);
    if (node.right) lines.push(`  ${id} -->|R| ${visit(node.right as N)}`);
    return id;
  };
  visit(root);
  return `${lines.join("\n")}\n`;
}

/** Every node's parent, as a snapshot to compare with the tree later. */
export function parentLinks<N extends AVLNode>(root: N | null): Map<N, N | null> {
  const links = new Map<N, N | null>();
  const visit = (node: N | null) => {
    if (node === null) return;
    links.set(node, node.parent as N | null);
    visit(node.left as N | null);
    visit(node.right as N | null);
  };
  visit(root);
  return links;
}

/** A rotation seen from outside: `riser` moved up above the nodes in `above` (lowest first). */
export interface Rotation<N> {
  riser: N;
  above: N[];
}

/**
 * The rotations that turned the tree described by `plain` (each node's
 * parent as a plain, never-rebalanced binary search tree would have it
 * after the same insert or delete) into the tree at `root`.
 *
 * A rotation is the only change that puts a node above one of its former
 * ancestors. So each node whose new parent used to be below it marks one:
 * one node risen above one (its old parent) is a single rotation; one node
 * risen above two (its old parent and grandparent) is a double rotation.
 */
export function findRotations<N extends AVLNode>(
  plain: Map<N, N | null>,
  root: N | null,
): Rotation<N>[] {
  const wasBelow = (node: N, ancestor: N) => {
    for (let up = plain.get(node) ?? null; up !== null; up = plain.get(up) ?? null) {
      if (up === ancestor) return true;
    }
    return false;
  };
  const rotations = new Map<N, N[]>();
  for (const node of parentLinks(root).keys()) {
    const parent = node.parent as N | null;
    if (parent === null || parent === plain.get(node) || !wasBelow(parent, node)) continue;
    rotations.set(parent, [...(rotations.get(parent) ?? []), node]);
  }
  // In the order they happened, bottom-up: the deepest riser first. Within
  // one, lowest first: a node's old parent is below its old grandparent.
  const depth = (node: N) => {
    let d = 0;
    for (let up = node.parent; up !== null; up = up.parent) d++;
    return d;
  };
  return [...rotations]
    .sort(([a], [b]) => depth(b) - depth(a))
    .map(([riser, above]) => ({
      riser,
      above: above.sort((a, b) => (wasBelow(a, b) ? -1 : wasBelow(b, a) ? 1 : 0)),
    }));
}
