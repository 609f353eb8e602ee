// A chaining hashtable that never makes one request pay for a resize: the
// book's chapter 8. Two ideas carry the chapter:
//
// 1. Intrusive nodes. The table does not wrap what it stores. Whatever goes
//    in carries the two fields the table needs (`next`, `hcode`) itself, so
//    one object is both the entry and the chain link.
// 2. Progressive rehashing. When the table gets too full it allocates a
//    table twice as big, and then every later lookup, insert and delete
//    moves a bounded number of nodes (128) from the old table to the new
//    one. A normal resize rehashes every key at once: the request that
//    triggers it pays O(n) and every other client waits behind it.
//    Redis's own dict does the same thing.
//
// Keys are byte strings (see strHash below). The table itself never looks
// at keys: it compares hash codes, and asks the caller's `eq` function
// whether two nodes are really equal.
//
// Where JavaScript differs from the book's C, the comment says so at that
// line. The biggest difference is memory: C's calloc() hands back a zeroed
// array almost for free, JavaScript does not, so the slot array is split
// into pages that are allocated on first use (see "Slot pages" below).

/**
 * The links a hashtable needs, embedded in the stored object itself.
 *
 * The book embeds an `HNode` struct inside its entry and gets the entry
 * back from a pointer to that field with `container_of` (pointer minus the
 * field's offset). TypeScript's types are structural, so the honest
 * equivalent is simpler: any object that *has* `next` and `hcode` is an
 * HNode. A store entry `{ next, hcode, key, value }` is one, and the node of
 * a sorted set (chapter 11) is one too while also being a tree node. There
 * is no wrapper object and no pointer back to the entry: the node *is* the
 * entry, so getting from one to the other is free (a type cast, checked at
 * compile time where the table is declared).
 *
 * A wrapper design (`{ next, hcode, entry }` pointing at the entry) would
 * cost one more object per key: in V8 a header of 24-32 bytes, the fields,
 * and one more pointer to follow on every lookup, for millions of keys.
 */
export interface HNode {
  /** The next node in the same slot's chain, or null at the end. */
  next: HNode | null;
  /** The key's hash (32 bits, as a signed number: see strHash), computed once when the node is made. */
  hcode: number;
}

/** What a lookup needs from its key: the hash. The rest is for the caller's `eq`. */
export interface HKey {
  readonly hcode: number;
}

/** How many nodes each lookup, insert or delete moves from the old table (the book's k_rehashing_work). */
export const REHASHING_WORK = 128;
/** A table grows when it holds this many keys per slot on average (the book's k_max_load_factor). */
export const MAX_LOAD_FACTOR = 8;
/** The slot count of the first table (the book allocates 4 on the first insert). */
export const INITIAL_SLOTS = 4;
/** Slots per page of a slot array: 512 pointers of 8 bytes = 4 KiB, the size of an OS memory page. */
export const PAGE_SLOTS = 512;

// ---------------------------------------------------------------------------
// Slot pages
//
// The book allocates a new table with calloc(n, sizeof(HNode *)). For a big
// table that is nearly free: the C library asks the kernel for fresh memory
// with mmap, and the kernel hands out each 4 KiB page of zeros only when it
// is first touched. The O(n) cost of zeroing is spread over later requests
// without anyone writing code for it.
//
// JavaScript has no such thing. `new Array(n).fill(null)` writes all n
// slots at once: measured on this course's 2-core machine, 2^21 slots (the
// table that 8.4 million keys grow into) took 18-33 ms, and 2^22 37-94 ms.
// That is a stall of exactly the kind this chapter exists to remove, so
// this table does what the kernel does for C: a slot array is a short
// array of pages (the "spine"), and each page of 512 slots is allocated
// the first time a node is written into it. A page costs a few
// microseconds; an operation allocates at most one page for its own
// insert and one per node it migrates, usually none.
//
// The price is one more array access per slot read: this package's
// README.md measures it against a one-piece array.
// ---------------------------------------------------------------------------

/** One page of slots: each holds the head of a chain, or null. */
type Page<N> = (N | null)[];

/**
 * A fixed-size table: the book's `HTab`.
 *
 * `pages` is the slot array, cut into pages (see "Slot pages"); null means
 * no table at all, like the book's `tab == NULL`. A page that is still null
 * stands for a page of empty slots.
 */
export interface HTab<N extends HNode> {
  pages: (Page<N> | null)[] | null;
  /** The slot count minus one; slot count is a power of two, so `hcode & mask` picks a slot. */
  mask: number;
  /** How many nodes this table holds. */
  size: number;
  /** log2 of the page size: slot `pos` lives in page `pos >>> pageShift`. */
  pageShift: number;
}

/**
 * The hashtable: the book's `HMap`, two tables for progressive rehashing.
 *
 * While a resize is under way, `older` holds the nodes not moved yet and
 * `newer` everything else; `migratePos` is the next slot of `older` to
 * empty. At other times `older` has no slots.
 *
 * The type parameter `N` is what the table stores (a store entry, a sorted
 * set node). Only `hmInsert` puts nodes in, and it only takes an `N`, so
 * every node the table hands back is an `N`: that is where the cast that
 * stands in for `container_of` is safe.
 */
export interface HMap<N extends HNode> {
  newer: HTab<N>;
  older: HTab<N>;
  migratePos: number;
  /** How many nodes the most recent operation moved from `older` to `newer` (for tests and the notes). */
  moved: number;
}

/** An empty table with no slots: the book's `HTab{}`. */
function hEmpty<N extends HNode>(pageShift: number): HTab<N> {
  // Every HTab is created here, with the same fields in the same order, so
  // V8 gives them all one hidden class (one object layout) and property
  // reads stay fast.
  return { pages: null, mask: 0, size: 0, pageShift };
}

/**
 * An empty hashtable. The book declares `HMap hmap;` and C zero-fills it;
 * JavaScript objects need their fields spelled out, so this is the one
 * place they are. `pageSlots` (a power of two) is only for the benchmark
 * that compares pages with one-piece arrays: pass a huge value and every
 * slot array is a single page, the book's layout.
 */
export function hmNew<N extends HNode>(pageSlots = PAGE_SLOTS): HMap<N> {
  if (!(pageSlots >= 1 && (pageSlots & (pageSlots - 1)) === 0 && pageSlots <= 2 ** 30)) {
    throw new RangeError(`pageSlots ${pageSlots} is not a power of two from 1 to 2^30`);
  }
  const pageShift = Math.log2(pageSlots);
  return { newer: hEmpty(pageShift), older: hEmpty(pageShift), migratePos: 0, moved: 0 };
}

/** h_init: a table of `n` empty slots, n a power of two. Only the spine is allocated. */
function hInit<N extends HNode>(n: number, pageShift: number): HTab<N> {
  // The spine has one entry per page, all null: no page exists yet. For
  // 2^21 slots that is 4096 entries, a few microseconds.
  const pageCount = Math.ceil(n / 2 ** pageShift);
  return {
    pages: new Array<Page<N> | null>(pageCount).fill(null),
    mask: n - 1,
    size: 0,
    pageShift,
  };
}

/** The head of slot `pos`'s chain (null when the slot, or its whole page, is empty). */
export function hSlot<N extends HNode>(htab: HTab<N>, pos: number): N | null {
  const page = htab.pages?.[pos >>> htab.pageShift];
  // `pos & (page.length - 1)`: the position inside the page. A table
  // smaller than a page is one page of exactly its size, so this is `pos`.
  return page ? (page[pos & (page.length - 1)] ?? null) : null;
}

/** Makes `node` the head of slot `pos`, allocating the slot's page on its first write. */
function setSlot<N extends HNode>(htab: HTab<N>, pos: number, node: N | null): void {
  const pages = htab.pages;
  if (pages === null) throw new Error("setSlot on a table with no slots");
  const index = pos >>> htab.pageShift;
  let page = pages[index];
  if (!page) {
    // First write to this page: now allocate it, like the kernel handing
    // out a zeroed page on the first touch. Pages are PAGE_SLOTS long,
    // except in a table smaller than one page.
    page = new Array<N | null>(Math.min(htab.mask + 1, 2 ** htab.pageShift)).fill(null);
    pages[index] = page;
  }
  page[pos & (page.length - 1)] = node;
}

/** h_insert: put `node` at the head of its slot's chain. O(1): no walk, no duplicate check. */
function hInsert<N extends HNode>(htab: HTab<N>, node: N): void {
  // The slot: the low bits of the hash. The slot count is a power of two,
  // so `& mask` is the cheap version of `% slots`.
  const pos = node.hcode & htab.mask;
  // The new node goes in front: the chain that was there hangs off it.
  node.next = hSlot(htab, pos);
  setSlot(htab, pos, node);
  htab.size++;
}

/**
 * h_lookup: find the node equal to `key` in one table.
 *
 * The book returns `HNode **`: the address of whichever pointer points at
 * the match, either the slot itself or the `next` field of the node before
 * it. Handing that address to h_detach lets one search serve both lookup
 * and delete. JavaScript cannot take the address of an array element or of
 * a field, so this returns *which* pointer it is: the node before the
 * match, or null when the match is first in its slot (the pointer is the
 * slot, whose position `key.hcode & mask` the caller already knows).
 * A miss is `undefined`, since null already means "first in its slot".
 */
function hLookup<N extends HNode, K extends HKey>(
  htab: HTab<N>,
  key: K,
  eq: (node: N, key: K) => boolean,
): N | null | undefined {
  if (htab.pages === null) return undefined; // no slots yet
  let prev: N | null = null;
  // `as N | null`: `next` is typed as any HNode, but only N's are ever put
  // in this table (see HMap). This cast is what `container_of` does in C.
  for (let cur = hSlot(htab, key.hcode & htab.mask); cur !== null; cur = cur.next as N | null) {
    // Compare the cheap number first; call `eq` (which compares keys) only
    // when the hashes agree.
    if (cur.hcode === key.hcode && eq(cur, key)) return prev;
    prev = cur;
  }
  return undefined;
}

/**
 * h_detach: unlink a node from its chain and return it. `prev` is what
 * hLookup returned: the node before it, or null when it heads slot `pos`.
 */
function hDetach<N extends HNode>(htab: HTab<N>, pos: number, prev: N | null): N {
  // The node is whatever the incoming pointer points at...
  const node = (prev === null ? hSlot(htab, pos) : prev.next) as N | null;
  if (node === null) throw new Error(`hDetach: nothing to unlink in slot ${pos}`);
  // ...and unlinking is making that pointer skip it.
  if (prev === null) setSlot(htab, pos, node.next as N | null);
  else prev.next = node.next;
  node.next = null; // not in the book; keeps a removed node from holding the chain alive
  htab.size--;
  return node;
}

/**
 * hm_help_rehashing: move up to REHASHING_WORK nodes from `older` to
 * `newer`. Every lookup, insert and delete calls this first, so a resize
 * is finished by the requests that follow it, a slice at a time.
 */
function hmHelpRehashing<N extends HNode>(map: HMap<N>): void {
  let moved = 0;
  const older = map.older;
  while (moved < REHASHING_WORK && older.size > 0) {
    const pos = map.migratePos;
    if (hSlot(older, pos) === null) {
      // An empty slot costs almost nothing, so the book does not count it
      // against the work limit. (A table emptied by deletes could make this
      // loop long; Redis also caps empty slots visited, at 10 per node.)
      map.migratePos++;
      continue;
    }
    // Move the first node of this slot. Its hash was stored in the node,
    // so moving costs no rehashing of the key: `hcode & newer.mask` picks
    // its new slot.
    hInsert(map.newer, hDetach(older, pos, null));
    moved++;
  }
  map.moved = moved;
  if (older.size === 0 && older.pages !== null) {
    // All moved: drop the old table. C calls free(); here we drop the last
    // reference and the garbage collector reclaims the memory later.
    map.older = hEmpty(older.pageShift);
  }
}

/**
 * hm_trigger_rehashing: the current table becomes `older`, and a new one
 * with twice the slots becomes `newer`. Nothing is moved yet.
 */
function hmTriggerRehashing<N extends HNode>(map: HMap<N>): void {
  // C copies the HTab struct by value (`older = newer`); here both are
  // references, so this just hands the same table object over.
  map.older = map.newer;
  map.newer = hInit((map.older.mask + 1) * 2, map.older.pageShift);
  map.migratePos = 0;
}

/**
 * hm_lookup: the node equal to `key`, or null. `key` carries the hash and
 * whatever `eq` needs to compare (the key bytes); `eq(node, key)` says
 * whether a stored node matches. Moves some nodes first if a resize is
 * under way.
 */
export function hmLookup<N extends HNode, K extends HKey>(
  map: HMap<N>,
  key: K,
  eq: (node: N, key: K) => boolean,
): N | null {
  hmHelpRehashing(map);
  // A key is in exactly one of the two tables: try the new one, then the old.
  return hFind(map.newer, key, eq) ?? hFind(map.older, key, eq);
}

/** The node equal to `key` in one table, or null. */
function hFind<N extends HNode, K extends HKey>(
  htab: HTab<N>,
  key: K,
  eq: (node: N, key: K) => boolean,
): N | null {
  const prev = hLookup(htab, key, eq);
  if (prev === undefined) return null;
  return prev === null ? hSlot(htab, key.hcode & htab.mask) : (prev.next as N | null);
}

/**
 * hm_insert: add `node` (its `hcode` already set). The caller makes sure the
 * key is not there yet, as the book's server does by looking up first.
 */
export function hmInsert<N extends HNode>(map: HMap<N>, node: N): void {
  if (map.newer.pages === null) {
    // The first insert creates the first table.
    map.newer = hInit(INITIAL_SLOTS, map.newer.pageShift);
  }
  // New nodes always go to the newer table.
  hInsert(map.newer, node);
  // Too full? Start a resize, unless one is already under way.
  if (map.older.pages === null) {
    const threshold = (map.newer.mask + 1) * MAX_LOAD_FACTOR;
    if (map.newer.size >= threshold) hmTriggerRehashing(map);
  }
  // Then do this request's share of the moving.
  hmHelpRehashing(map);
}

/** hm_delete: unlink the node equal to `key` and return it, or null if there is none. */
export function hmDelete<N extends HNode, K extends HKey>(
  map: HMap<N>,
  key: K,
  eq: (node: N, key: K) => boolean,
): N | null {
  hmHelpRehashing(map);
  const { newer, older } = map;
  // The same search as hmLookup, keeping the node before the match so that
  // unlinking it is one assignment.
  let prev = hLookup(newer, key, eq);
  if (prev !== undefined) return hDetach(newer, key.hcode & newer.mask, prev);
  prev = hLookup(older, key, eq);
  if (prev !== undefined) return hDetach(older, key.hcode & older.mask, prev);
  // Not there. (The table never shrinks: see the exercises.)
  return null;
}

/**
 * hm_clear: forget every node. C frees the two slot arrays; here dropping
 * the references is enough, and the garbage collector frees them (and the
 * nodes, unless someone else still holds them) later.
 */
export function hmClear<N extends HNode>(map: HMap<N>): void {
  const pageShift = map.newer.pageShift;
  map.newer = hEmpty(pageShift);
  map.older = hEmpty(pageShift);
  map.migratePos = 0;
  map.moved = 0;
}

/** hm_size: how many nodes the table holds, in both tables. */
export function hmSize<N extends HNode>(map: HMap<N>): number {
  return map.newer.size + map.older.size;
}

/**
 * hm_foreach: call `f` on every node, the newer table first, slot by slot;
 * stop early when `f` returns false. No moving happens during the walk.
 * The order is the table's slot order: it means nothing to a user.
 */
export function hmForeach<N extends HNode>(map: HMap<N>, f: (node: N) => boolean): void {
  if (hForeach(map.newer, f)) hForeach(map.older, f);
}

function hForeach<N extends HNode>(htab: HTab<N>, f: (node: N) => boolean): boolean {
  if (htab.pages === null) return true;
  for (const page of htab.pages) {
    if (page === null) continue; // a page never written: all its slots are empty
    for (const head of page) {
      for (let node = head; node !== null; node = node.next as N | null) {
        if (!f(node)) return false;
      }
    }
  }
  return true;
}

/**
 * The book's string hash, over a byte string.
 *
 * Keys in this course are byte strings: JavaScript strings in which every
 * char is one byte (0..255), made with `buf.toString("latin1")` and turned
 * back with `Buffer.from(s, "latin1")`. That round trip is lossless for any
 * bytes (NUL, 0xFF, invalid UTF-8); V8 stores such strings one byte per
 * char; and `===` compares them by content. So `charCodeAt(i)` is byte i.
 *
 * The book calls this FNV, and it starts like 32-bit FNV-1a (offset basis
 * 0x811C9DC5, prime 0x01000193), but it *adds* each byte where FNV-1a
 * *xors* it. It still works as a hash: for a fixed `h`, both adding a byte
 * and multiplying by an odd number are one-to-one on 32-bit values, so two
 * keys that differ in their last byte always hash differently, and every
 * byte is mixed into all the bits above it. The change only moves it away
 * from FNV's tested numbers: quality is "fine for a course", like the
 * original. Neither version resists attackers choosing keys that collide:
 * Redis uses a keyed hash (SipHash) for that.
 *
 * C computes in uint32_t, where overflow wraps around. JavaScript numbers
 * are doubles, so the multiply uses Math.imul: a 32-bit multiply that wraps,
 * as uint32_t does. (h + byte can pass 2^32; Math.imul takes its operands
 * modulo 2^32 first, so that is harmless.)
 *
 * The result is the same 32 bits as the C's, but read as a *signed*
 * number (-2^31 .. 2^31-1): `strHash(s) >>> 0` is the C's unsigned value.
 * The reason is memory. V8 stores a whole number that fits in 32 signed
 * bits as a "small integer" inside the object's field; an unsigned value of
 * 2^31 or more does not fit. The first node that holds one changes the
 * field's representation for every node of the same shape, to a pointer to
 * a separate 16-byte heap number. Measured: 56 bytes per entry with the
 * signed hash, 72 with the unsigned one, and still 72 when only one hash in
 * a million is that large (README.md). Slot selection is unaffected:
 * `hcode & mask` reads the same low bits.
 */
export function strHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h = Math.imul(h + s.charCodeAt(i), 0x01000193);
  }
  // Math.imul already returns a signed 32-bit number; only the empty key
  // skips the loop, and `| 0` turns its starting value into the same form.
  return h | 0;
}
