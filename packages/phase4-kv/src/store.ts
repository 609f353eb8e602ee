// The store: every key and its value, the book's `g_data`.
//
// The book's chapter 7 keeps its data in a `std::map<std::string,
// std::string>`, a balanced tree from the C++ library, and says plainly that
// it is a placeholder: the next chapter builds its own hashtable. We do the
// same with JavaScript's own `Map`, and keep it behind three small functions
// (storeGet, storeSet, storeDel), so that when chapter 8 swaps what is inside
// this file, the commands that use it do not change.
//
// Why replace a Map at all, when V8's is fast? Two reasons the next chapter
// measures. A Map grows by building a table twice the size and moving every
// entry at once: the one request that triggers it waits for all of them (a
// stall of about 0.1 s at one million keys, over a second at eight million),
// and so does every other client, because one thread serves them all. And a
// Map's table holds at most 2^24 (16,777,216) entries, a deleted key's
// included until V8 rebuilds the table: past that, a `set` of a new key
// throws.
//
// Keys and values are byte strings (see request.ts): JavaScript strings with
// one char per byte. Two keys are the same key exactly when their bytes are
// the same, which is what Map's `===` comparison of strings gives.

import { count } from "@rah/core";

/** All the keys and values: the placeholder this phase uses, a V8 Map. */
export type Store = Map<string, string>;

/** The most entries one V8 Map can hold: 2^24. */
export const MAP_LIMIT = 2 ** 24;

/** A `set` of a new key when the Map already holds MAP_LIMIT keys: V8 refuses it. */
export class StoreFullError extends Error {
  override name = "StoreFullError";
  /** How many keys the store holds. */
  readonly size: number;
  constructor(size: number, cause: unknown) {
    super(
      `the store is full: a JavaScript Map refuses new keys once its table reaches 2^24 entries (it holds ${count(size, "key")}; deleted keys keep their room until half of them are gone)`,
      { cause },
    );
    this.size = size;
  }
}

/** An empty store. */
export function createStore(): Store {
  return new Map();
}

/** The value of `key`, or undefined when there is none. */
export function storeGet(store: Store, key: string): string | undefined {
  return store.get(key);
}

/**
 * Sets `key` to `value`, replacing any value it had. Throws StoreFullError
 * when the key is new and the Map cannot take one more entry (V8 throws a
 * RangeError, "Map maximum size exceeded"): the caller answers with an
 * error, and the server goes on serving everyone else.
 */
export function storeSet(store: Store, key: string, value: string): void {
  try {
    store.set(key, value);
  } catch (err: unknown) {
    if (err instanceof RangeError) throw new StoreFullError(store.size, err);
    throw err;
  }
}

/** Removes `key`; true if it was there. */
export function storeDel(store: Store, key: string): boolean {
  return store.delete(key);
}
