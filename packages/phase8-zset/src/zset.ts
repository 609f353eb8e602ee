// A sorted set: the data structure of the book's chapter 11 (the commands
// that use it, ZADD, ZREM, ZSCORE and ZQUERY, live in the server).
//
// A sorted set holds (name, score) pairs, one per name, and answers two
// kinds of question fast:
// - by name: "what is n1's score?", "remove n1" -> a hashtable by name;
// - by order: "the pairs from score 1.5 on", "10 pairs starting 100 places
//   further" -> an AVL tree ordered by (score, name), with subtree counts
//   for the offsets.
// Every pair is in both, and it is *one* object: a ZNode is a tree node
// and a hashtable node at once (see below). Real Redis does the same with
// a skip list instead of a tree (and a plain listpack for small sets).
import { type AVLNode, avlDel, avlInit, avlInsert, avlOffset, avlSeekGe } from "./avl.ts";
import {
  type HMap,
  type HNode,
  hmClear,
  hmDelete,
  hmInsert,
  hmLookup,
  hmNew,
  strHash,
} from "./hashtable.ts";

/**
 * One (name, score) pair. The object carries the links of both indexes:
 * `parent`, `left`, `right`, `height`, `cnt` (an AVLNode) and `next`,
 * `hcode` (an HNode).
 *
 * The book's ZNode embeds an AVLNode and an HNode struct and gets from
 * either one back to the ZNode with `container_of`. TypeScript's types are
 * structural, so one plain object with all the fields simply *is* both
 * kinds of node: the tree and the table link the same object, with no
 * wrapper and no pointer back. The alternative, a tree node and a table
 * entry each pointing at a separate pair object, would cost two extra
 * objects per member (each with a 24-byte header in V8) and an extra
 * pointer to follow on every step.
 *
 * The book also stores the name's bytes inside the node (a flexible array
 * at the end). Here `name` is a byte string: a JavaScript string with one
 * char per byte (made with `buf.toString("latin1")`), which V8 stores one
 * byte per char and compares with `===` and `<`.
 */
export interface ZNode extends AVLNode, HNode {
  score: number;
  name: string;
}

/** The book's ZSet: the two indexes over the same nodes. */
export interface ZSet {
  /** The AVL tree, ordered by (score, name); null when empty. */
  root: ZNode | null;
  /** The hashtable, by name. */
  hmap: HMap<ZNode>;
}

/** An empty sorted set. (C zero-fills `ZSet zset;`; JavaScript spells the fields out.) */
export function zsetNew(): ZSet {
  return { root: null, hmap: hmNew<ZNode>() };
}

/**
 * znode_new: a node that is in neither index yet. Every ZNode is made
 * here, by one object literal with its fields in one order, so V8 gives
 * them all one hidden class; avl.ts and hashtable.ts then read their
 * fields at fixed places.
 */
function znodeNew(name: string, score: number): ZNode {
  return {
    // tree links (avlInit's values)
    parent: null,
    left: null,
    right: null,
    height: 1,
    cnt: 1,
    // hashtable links
    next: null,
    hcode: strHash(name),
    // the pair
    score,
    name,
  };
}

/**
 * zless: does `node` sort before the pair (score, name)? By score first,
 * then by name, byte by byte, with a name that is a prefix of another
 * sorting first.
 *
 * The book compares names with memcmp over the shorter length, then by
 * length. For byte strings, JavaScript's `<` on strings does exactly that:
 * it compares char codes (here: bytes) one by one, and a prefix sorts
 * first. No decoding, no copying.
 *
 * Scores compare as the C does, with `!=` and `<` on doubles: -0 equals 0
 * (so (-0, "b") sorts after (0, "a")), -Infinity and Infinity are ordinary
 * ends of the line. NaN equals nothing and would break the order, so it
 * must never get in: the server refuses it when parsing a score (the
 * book's strtod-based parser rejects "nan"), and zsetInsert and zsetSeek
 * below refuse it too.
 */
function zless(node: ZNode, score: number, name: string): boolean {
  if (node.score !== score) return node.score < score;
  return node.name < name;
}

/** zless for two nodes: the comparator the tree orders ZNodes by. */
function zlessNodes(a: ZNode, b: ZNode): boolean {
  return zless(a, b.score, b.name);
}

/** Throws for NaN: a bug in the caller (see zless). */
function checkScore(score: number): void {
  if (Number.isNaN(score)) throw new RangeError("a sorted set score cannot be NaN");
}

/** tree_insert: put a node (fresh from avlInit) into the tree at its place by (score, name). */
function treeInsert(zset: ZSet, node: ZNode): void {
  zset.root = avlInsert(zset.root, node, zlessNodes);
}

/**
 * zset_update: give an existing node a new score. Its place in the order
 * changes, so the node is taken out of the tree and put back in: the
 * same object moves, and the hashtable (by name) is not touched.
 */
function zsetUpdate(zset: ZSet, node: ZNode, score: number): void {
  // Same score (-0 and 0 count as the same, as in C): nothing moves, and
  // the stored score keeps its sign.
  if (node.score === score) return;
  zset.root = avlDel(node);
  avlInit(node);
  node.score = score;
  treeInsert(zset, node);
}

/**
 * zset_insert: add the pair (name, score), or change the score of `name`
 * if it is there. Returns true if a pair was added, false if one was
 * updated (ZADD's 1 or 0).
 */
export function zsetInsert(zset: ZSet, name: string, score: number): boolean {
  checkScore(score);
  const node = zsetLookup(zset, name);
  if (node) {
    zsetUpdate(zset, node, score);
    return false;
  }
  // A new pair: one object, linked into both indexes.
  const fresh = znodeNew(name, score);
  hmInsert(zset.hmap, fresh);
  treeInsert(zset, fresh);
  return true;
}

/** What a hashtable lookup by name carries: the book's HKey. */
interface NameKey {
  hcode: number;
  name: string;
}

/** hcmp: does this node have the name we look for? */
const sameName = (node: ZNode, key: NameKey) => node.name === key.name;

/** zset_lookup: the node for `name`, or null. O(1) on average, through the hashtable. */
export function zsetLookup(zset: ZSet, name: string): ZNode | null {
  // An empty set: skip hashing the name.
  if (zset.root === null) return null;
  return hmLookup(zset.hmap, { hcode: strHash(name), name }, sameName);
}

/**
 * zset_delete: remove a node from both indexes. C then frees it; here the
 * node is garbage once nobody holds it, and its links are cleared so that
 * a caller still holding it does not keep the set's other nodes alive.
 */
export function zsetDelete(zset: ZSet, node: ZNode): void {
  // The node's hash is stored in it: no need to hash the name again.
  const found = hmDelete(zset.hmap, { hcode: node.hcode, name: node.name }, sameName);
  if (found !== node)
    throw new Error(`zsetDelete: ${JSON.stringify(node.name)} is not in this set`);
  zset.root = avlDel(node);
  avlInit(node);
}

/**
 * zset_seekge: the first pair in order that is >= (score, name), or null
 * if every pair is smaller. ZQUERY starts here, then walks with an offset.
 */
export function zsetSeek(zset: ZSet, score: number, name: string): ZNode | null {
  checkScore(score);
  return avlSeekGe(zset.root, (node) => zless(node, score, name));
}

/**
 * znode_offset: the pair `offset` places after `node` (before it when
 * negative), or null past either end or when `node` is null. O(log n)
 * whatever the offset, thanks to the subtree counts (see avlOffset).
 */
export function znodeOffset(node: ZNode | null, offset: number): ZNode | null {
  return node ? avlOffset(node, offset) : null;
}

/**
 * zset_clear: empty the set. The book walks the tree freeing every node;
 * here dropping the two indexes is O(1), and the garbage collector frees
 * the nodes later (chapter 14 returns to what that costs).
 */
export function zsetClear(zset: ZSet): void {
  hmClear(zset.hmap);
  zset.root = null;
}
