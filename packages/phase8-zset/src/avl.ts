// An AVL tree whose nodes know the size of their subtree: the book's
// chapter 10 (and the offset walk of chapter 11).
//
// A binary search tree keeps its nodes in order: everything in a node's
// left subtree sorts before it, everything in its right subtree after it.
// Searching, inserting and deleting walk one path from the root, so they
// cost O(height). Left alone, inserting sorted keys makes that path n long.
// An AVL tree keeps it O(log n) with one rule: at every node, the heights
// of the two subtrees differ by at most 1. After an insert or a delete,
// the nodes on the path back to the root are fixed with rotations, small
// local rearrangements that keep the order and restore the rule.
//
// Each node also stores `cnt`, the number of nodes in its subtree. That
// costs one more field to maintain and buys rank queries: "the node k
// places after this one" (avlOffset) and "the position of this node"
// (avlRank) in O(log n) too. Sorted sets use them for ZRANGE-like queries
// (chapter 11).
//
// This file knows nothing about what it orders. Like the book's C, it
// works on bare nodes, and the caller decides what "less" means: the tests
// order numbers, the sorted set of chapter 11 orders (score, name).

/**
 * The links of a tree node, embedded in the stored object itself.
 *
 * The book embeds an `AVLNode` struct in its data and gets the data back
 * with `container_of` (the node's address minus the field's offset).
 * TypeScript's types are structural, so the honest equivalent is that any
 * object with these five fields *is* an AVLNode: a test's `{ ...links, val }`
 * and chapter 11's sorted-set node (which is also a hashtable node) are
 * used directly, with no wrapper object and no pointer back to the data.
 * A wrapper would cost an extra object (and an extra pointer to follow)
 * per node.
 *
 * Create every node of one kind with the same fields in the same order
 * (one object literal, or one factory function): V8 then gives them one
 * hidden class, and reads of `left`, `right`, ... stay fast.
 */
export interface AVLNode {
  parent: AVLNode | null;
  left: AVLNode | null;
  right: AVLNode | null;
  /** The height of the subtree rooted here: 1 for a leaf. */
  height: number;
  /** The number of nodes in the subtree rooted here: 1 for a leaf. */
  cnt: number;
}

// A note on types. The functions below are generic over `N`, the caller's
// node type, and cast the links they follow (`node.left as N`). In C that
// cast is `container_of`. It is safe for the same reason: the only nodes
// ever linked into a tree of N's are N's, because avlInsert only takes N's.

/** avl_init: make `node` a tree of one (no links, height 1, count 1). */
export function avlInit(node: AVLNode): void {
  node.parent = null;
  node.left = null;
  node.right = null;
  node.height = 1;
  node.cnt = 1;
}

/** The height of a subtree; an empty one (null) has height 0. */
export function avlHeight(node: AVLNode | null): number {
  return node ? node.height : 0;
}

/** The number of nodes in a subtree; an empty one (null) has 0. */
export function avlCnt(node: AVLNode | null): number {
  return node ? node.cnt : 0;
}

/** avl_update: recompute `height` and `cnt` from the two children. */
function avlUpdate(node: AVLNode): void {
  node.height = 1 + Math.max(avlHeight(node.left), avlHeight(node.right));
  node.cnt = 1 + avlCnt(node.left) + avlCnt(node.right);
}

/**
 * rot_left: the right child rises, `node` becomes its left child.
 *
 * ```
 *     node               right
 *    /    \              /    \
 *   a    right   =>   node     c
 *        /   \        /  \
 *    inner    c      a   inner
 * ```
 * The order a < node < inner < right < c is unchanged. Returns the new
 * top of this subtree; the caller links it to `node`'s old parent.
 */
function rotLeft(node: AVLNode): AVLNode {
  const parent = node.parent;
  const top = node.right;
  if (top === null) throw new Error("rotLeft needs a right child");
  const inner = top.left;
  // node <-> inner: the inner subtree changes sides.
  node.right = inner;
  if (inner) inner.parent = node;
  // parent <- top: `top` takes `node`'s place (the parent's own child
  // pointer is the caller's job).
  top.parent = parent;
  // top <-> node
  top.left = node;
  node.parent = top;
  // Heights and counts, bottom-up: `node` is now below `top`.
  avlUpdate(node);
  avlUpdate(top);
  return top;
}

/** rot_right: the mirror image of rotLeft; the left child rises. */
function rotRight(node: AVLNode): AVLNode {
  const parent = node.parent;
  const top = node.left;
  if (top === null) throw new Error("rotRight needs a left child");
  const inner = top.right;
  node.left = inner;
  if (inner) inner.parent = node;
  top.parent = parent;
  top.right = node;
  node.parent = top;
  avlUpdate(node);
  avlUpdate(top);
  return top;
}

/**
 * avl_fix_left: `node`'s left subtree is 2 taller than its right one.
 * One right rotation fixes it, unless the left child leans right (its
 * inner grandchild is the tall one): then a left rotation of the child
 * first turns that into the easy case. This is the "double rotation".
 */
function avlFixLeft(node: AVLNode): AVLNode {
  const left = node.left;
  if (left === null) throw new Error("avlFixLeft needs a left child");
  if (avlHeight(left.left) < avlHeight(left.right)) {
    node.left = rotLeft(left);
  }
  return rotRight(node);
}

/** avl_fix_right: the mirror image of avlFixLeft. */
function avlFixRight(node: AVLNode): AVLNode {
  const right = node.right;
  if (right === null) throw new Error("avlFixRight needs a right child");
  if (avlHeight(right.right) < avlHeight(right.left)) {
    node.right = rotRight(right);
  }
  return rotLeft(node);
}

/**
 * Make `parent` point at `child` where it pointed at `old`.
 *
 * The book keeps `AVLNode **from`, the address of whichever pointer leads
 * to the node (its parent's `left` or `right`, or the caller's root
 * variable), and later writes through it. JavaScript cannot take the
 * address of a field, so we remember which side the node hangs on and
 * write that field; "no parent" means the node was the root.
 */
function replaceChild(parent: AVLNode, old: AVLNode, child: AVLNode | null): void {
  if (parent.left === old) parent.left = child;
  else parent.right = child;
}

/**
 * avl_fix: after `node`'s subtree changed (a node was attached below it,
 * or one was removed), walk up to the root: recompute each node's height
 * and count, and rotate wherever the two sides differ by 2. Returns the
 * root of the whole tree, which a rotation at the top may have changed.
 */
export function avlFix<N extends AVLNode>(node: N): N {
  let cur: AVLNode = node;
  while (true) {
    const parent = cur.parent;
    // Keep height and count right first: the balance check reads them.
    avlUpdate(cur);
    const l = avlHeight(cur.left);
    const r = avlHeight(cur.right);
    // One insert or delete changes a height by at most 1, so a difference
    // of 2 is the worst a node can see here.
    let fixed = cur;
    if (l === r + 2) fixed = avlFixLeft(cur);
    else if (l + 2 === r) fixed = avlFixRight(cur);
    // Reattach the (maybe new) top of this subtree where `cur` hung.
    if (parent === null) return fixed as N; // that was the root
    if (fixed !== cur) replaceChild(parent, cur, fixed);
    // The parent's height may have changed too: continue upwards.
    cur = parent;
  }
}

/**
 * avl_del_easy: unlink a node that has at most one child, by putting the
 * child (or nothing) in its place. Returns the new root.
 */
function avlDelEasy(node: AVLNode): AVLNode | null {
  if (node.left && node.right) throw new Error("avlDelEasy needs a node with at most one child");
  const child = node.left ?? node.right; // may be null
  const parent = node.parent;
  // The child moves up one level.
  if (child) child.parent = parent;
  // Removing the root: the child is the whole tree now.
  if (parent === null) return child;
  replaceChild(parent, node, child);
  // The parent's subtree lost a node: rebalance from there up.
  return avlFix(parent);
}

/**
 * avl_del: unlink `node` from its tree and return the new root (null when
 * the tree is now empty). The node itself is left with stale links: call
 * avlInit before putting it in a tree again.
 *
 * A node with two children cannot simply be unlinked. Its successor (the
 * leftmost node of its right subtree, the next one in order) has no left
 * child, so it is easy to unlink; it then takes the deleted node's place,
 * links, height and count included. Nothing outside moves, so a pointer
 * to any other node stays valid: C code relies on that, and so do we.
 */
export function avlDel<N extends AVLNode>(node: N): N | null {
  // The easy case: 0 or 1 child.
  if (!node.left || !node.right) return avlDelEasy(node) as N | null;
  // Find the successor.
  let victim: AVLNode = node.right;
  while (victim.left) victim = victim.left;
  // Detach it; this rebalances the tree (and may rotate `node` itself
  // lower, which is why we read node's links only after this call).
  let root = avlDelEasy(victim);
  // The successor takes over node's links and fields. The book copies the
  // whole struct (`*victim = *node`); here the node object also carries
  // the caller's data (a key, a score), so only the five tree fields are
  // copied.
  victim.parent = node.parent;
  victim.left = node.left;
  victim.right = node.right;
  victim.height = node.height;
  victim.cnt = node.cnt;
  if (victim.left) victim.left.parent = victim;
  if (victim.right) victim.right.parent = victim;
  // Whoever pointed at `node` (its parent, or the root variable) now
  // points at the successor.
  const parent = node.parent;
  if (parent) replaceChild(parent, node, victim);
  else root = victim;
  return root as N | null;
}

/**
 * avl_offset: the node `offset` places after `node` in order (before it
 * when negative), or null when that runs past either end of the tree.
 *
 * A plain walk would take |offset| steps. With subtree counts the walk
 * goes up and down at most one path each way, O(log n) whatever the
 * offset: `pos` is the rank of the current node relative to the start,
 * and each move updates it from the counts of the subtrees skipped.
 */
export function avlOffset<N extends AVLNode>(node: N, offset: number): N | null {
  let cur: AVLNode = node;
  let pos = 0; // rank of `cur` minus rank of `node`
  while (pos !== offset) {
    const right = avlCnt(cur.right);
    const left = avlCnt(cur.left);
    if (pos < offset && pos + right >= offset) {
      // The target is in the right subtree: go down right. The right
      // child comes after everything in its own left subtree.
      cur = cur.right as AVLNode;
      pos += avlCnt(cur.left) + 1;
    } else if (pos > offset && pos - left <= offset) {
      // The target is in the left subtree: go down left.
      cur = cur.left as AVLNode;
      pos -= avlCnt(cur.right) + 1;
    } else {
      // Not below this node: go up. Coming from a right child, the parent
      // is before the child and its left subtree; from a left child,
      // after the child and its right subtree.
      const parent: AVLNode | null = cur.parent;
      if (parent === null) return null; // past either end of the tree
      if (parent.right === cur) pos -= left + 1;
      else pos += right + 1;
      cur = parent;
    }
  }
  return cur as N;
}

/**
 * The rank of `node`: how many nodes come before it in order (0 for the
 * first). Not in the book (its zset has no ZRANK); it is the offset walk
 * backwards: the left subtree comes before the node, and so does every
 * ancestor we reach from its right side, with that ancestor's left subtree.
 */
export function avlRank(node: AVLNode): number {
  let rank = avlCnt(node.left);
  for (let cur = node; cur.parent !== null; cur = cur.parent) {
    if (cur.parent.right === cur) rank += avlCnt(cur.parent.left) + 1;
  }
  return rank;
}

/**
 * tree_insert, generic: attach `node` (fresh from avlInit) as a leaf where
 * `less` says it belongs, then rebalance. Returns the new root. A node
 * equal to an existing one goes to its right, so equal nodes keep their
 * insertion order. `less(a, b)`: does a sort before b?
 */
export function avlInsert<N extends AVLNode>(
  root: N | null,
  node: N,
  less: (a: N, b: N) => boolean,
): N {
  // Walk down from the root, remembering the last node and which side we
  // left it by: the book does this with `AVLNode **from`.
  let parent: N | null = null;
  let goLeft = false;
  for (let cur = root; cur !== null; cur = (goLeft ? cur.left : cur.right) as N | null) {
    parent = cur;
    goLeft = less(node, cur);
  }
  // Attach the new leaf.
  node.parent = parent;
  if (parent === null) return node; // the tree was empty: a tree of one
  if (goLeft) parent.left = node;
  else parent.right = node;
  return avlFix(node);
}

/**
 * zset_seekge, generic: the first node (in order) that is not before the
 * key, or null if every node is. `isBefore(node)` compares a node with the
 * key the caller has in mind. O(height).
 */
export function avlSeekGe<N extends AVLNode>(
  root: N | null,
  isBefore: (node: N) => boolean,
): N | null {
  let found: N | null = null;
  for (let cur = root; cur !== null; ) {
    if (isBefore(cur)) {
      cur = cur.right as N | null; // cur < key: the answer is to the right
    } else {
      found = cur; // a candidate; a smaller one may be to the left
      cur = cur.left as N | null;
    }
  }
  return found;
}
