// The store: every key and its value, the book's `g_data`, now in our own
// hashtable (hashtable.ts, the book's chapter 8) instead of a V8 Map.
//
// Phase 4 kept the data in a `Map` and said why it had to go: a Map grows
// by moving every entry at once, inside one `set`, while every client waits
// (a stall of about 0.1 s at one million keys, over a second at eight
// million); and a Map refuses new keys past 2^24 entries. The table in
// hashtable.ts moves at most 128 entries per request instead, and has no
// limit but memory. The three functions below keep their names and their
// meaning, so the commands that use them (commands.ts) do not change.
//
// Keys and values are byte strings (see request.ts): JavaScript strings with
// one char per byte. Two keys are the same key exactly when their bytes are
// the same, which is what `===` on two byte strings says.
//
// Since chapter 11 a key holds one of two types: a string, or a sorted set
// (zset.ts). The book tags each entry with its type; here the value's own
// type says it: a JavaScript string is a string value, anything else a
// sorted set, and `typeof value === "string"` tells them apart.
import {
  type HKey,
  type HMap,
  type HNode,
  hmDelete,
  hmForeach,
  hmInsert,
  hmLookup,
  hmNew,
  hmSize,
  strHash,
} from "./hashtable.ts";
import type { ZSet } from "./zset.ts";

/** What a key holds: a string (a byte string), or a sorted set. */
export type Value = string | ZSet;

/**
 * One key and its value, as the table stores it. It *is* the table's node:
 * it carries the two fields the table needs (`next`, `hcode`), as the
 * book's `struct Entry { HNode node; std::string key; std::string val; }`
 * embeds an HNode. See hashtable.ts for why no wrapper object is needed.
 */
interface Entry extends HNode {
  readonly key: string;
  value: Value;
}

/** What a lookup needs: the key's hash (for the table) and its bytes (for `sameKey`). */
interface LookupKey extends HKey {
  readonly key: string;
}

/** All the keys and values: a hashtable of entries. */
export type Store = HMap<Entry>;

/** An empty store. */
export function createStore(): Store {
  return hmNew<Entry>();
}

/** The table's `eq`: a stored entry holds this key. Only called when the hashes match. */
function sameKey(entry: Entry, probe: LookupKey): boolean {
  return entry.key === probe.key;
}

/** The lookup key for `key`: its hash, computed once, and the key itself. */
function lookupKey(key: string): LookupKey {
  return { hcode: strHash(key), key };
}

/** The value of `key` (a string or a sorted set), or undefined when there is none. */
export function storeGet(store: Store, key: string): Value | undefined {
  return hmLookup(store, lookupKey(key), sameKey)?.value;
}

/**
 * Sets `key` to `value`, replacing any value it had, unless `replaces`
 * refuses the value it holds: then nothing changes, and the answer is
 * false (`set` on a sorted set, see commands.ts). The book's do_set: look
 * the key up once; check its type, change the value in place if it is
 * there, insert a new entry if not. (The table never refuses a key: it
 * grows, a slice at a time.)
 */
export function storeSet(
  store: Store,
  key: string,
  value: Value,
  replaces: (old: Value) => boolean = anyValue,
): boolean {
  const probe = lookupKey(key);
  const entry = hmLookup(store, probe, sameKey);
  if (entry) {
    if (!replaces(entry.value)) return false;
    entry.value = value;
    return true;
  }
  // Every entry is made here, with its fields in one order: one V8 shape.
  hmInsert(store, { next: null, hcode: probe.hcode, key, value });
  return true;
}

/** storeSet's default: any old value may be replaced. */
const anyValue = (): boolean => true;

/** Removes `key`; true if it was there. */
export function storeDel(store: Store, key: string): boolean {
  return hmDelete(store, lookupKey(key), sameKey) !== null;
}

/** How many keys the store holds. */
export function storeSize(store: Store): number {
  return hmSize(store);
}

/**
 * Calls `f` with every key, in the table's slot order (which means nothing
 * to a user: `keys` answers a set, not a list). The table does no moving
 * during the walk, so every key is seen exactly once, even in the middle of
 * a resize, when some keys are still in the old table.
 */
export function storeForEachKey(store: Store, f: (key: string) => void): void {
  hmForeach(store, (entry) => {
    f(entry.key);
    return true;
  });
}
