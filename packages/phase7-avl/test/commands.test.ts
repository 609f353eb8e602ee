// The command table and the store, in process: each command's reply as a
// typed value, exact names and arity, `keys` (whole, and in the middle of a
// resize), and a store that keeps every key it is given.
import { describe, expect, test } from "vitest";
import { doRequest } from "../src/commands.ts";
import { OutBuffer } from "../src/out-buffer.ts";
import { decodeReply, ERR_UNKNOWN, type Value } from "../src/response.ts";
import { createStore, type Store, storeDel, storeGet, storeSet } from "../src/store.ts";

/** Runs a command and decodes its reply. */
function run(store: Store, ...args: string[]): Value {
  const out = new OutBuffer();
  doRequest(store, args, out);
  return decodeReply(out.take());
}

const nil: Value = { type: "nil" };
const str = (value: string): Value => ({ type: "str", value });
const int = (value: number): Value => ({ type: "int", value: BigInt(value) });
const unknown: Value = { type: "err", code: ERR_UNKNOWN, message: "unknown command." };

/** The keys in a `keys` reply, sorted (the table's order means nothing). */
function keysOf(reply: Value): string[] {
  if (reply.type !== "arr") throw new Error(`keys answered ${reply.type}, not an array`);
  return reply.values
    .map((value) => {
      if (value.type !== "str") throw new Error(`a key came back as ${value.type}`);
      return value.value;
    })
    .sort();
}

describe("doRequest", () => {
  // Shows: get is STR or NIL, set is NIL, del is INT 1 or 0: the reply says what it is.
  test("answers get, set and del with typed values", () => {
    const store = createStore();
    expect(run(store, "get", "k")).toEqual(nil);
    expect(run(store, "set", "k", "v")).toEqual(nil);
    expect(run(store, "get", "k")).toEqual(str("v"));
    expect(run(store, "set", "k", "w")).toEqual(nil);
    expect(run(store, "get", "k")).toEqual(str("w"));
    expect(run(store, "del", "k")).toEqual(int(1));
    expect(run(store, "del", "k")).toEqual(int(0));
    expect(run(store, "get", "k")).toEqual(nil);
  });

  // Shows: names are exact (case counts), arity is exact, and an empty command is unknown.
  test("refuses every other name and arity with ERR 1", () => {
    const store = createStore();
    for (const args of [
      ["GET", "k"],
      ["KEYS"],
      ["get"],
      ["get", "a", "b"],
      ["set", "k"],
      ["del"],
      ["keys", "*"],
      [],
    ]) {
      expect(run(store, ...args)).toEqual(unknown);
    }
  });

  // Shows: keys are bytes: "a\0b" and "a" are different keys, and an empty key is a key.
  test("keeps keys byte for byte", () => {
    const store = createStore();
    run(store, "set", "a\u0000b", "with a NUL");
    run(store, "set", "", "empty key");
    expect(run(store, "get", "a")).toEqual(nil);
    expect(run(store, "get", "a\u0000b")).toEqual(str("with a NUL"));
    expect(run(store, "get", "")).toEqual(str("empty key"));
  });
});

describe("keys", () => {
  // Shows: keys is an array of every key, each once, as strings; an empty store gives [].
  test("lists every key once", () => {
    const store = createStore();
    expect(run(store, "keys")).toEqual({ type: "arr", values: [] });
    const keys = Array.from({ length: 5000 }, (_, i) => `key:${i}`);
    for (const key of keys) run(store, "set", key, "x");
    run(store, "del", "key:7");
    expect(keysOf(run(store, "keys"))).toEqual(keys.filter((k) => k !== "key:7").sort());
  });

  // Shows: in the middle of a resize, with keys in both tables, keys still lists each key once.
  test("lists every key once in the middle of a resize", () => {
    const store = createStore();
    const keys: string[] = [];
    // Add keys until a resize is under way and a big part of the table is still to move.
    for (let i = 0; store.older.size < 500; i++) {
      keys.push(`k${i}`);
      storeSet(store, `k${i}`, "v");
      if (i > 100_000) throw new Error("no resize was under way after 100,000 keys");
    }
    expect(store.older.size).toBeGreaterThan(0);
    expect(keysOf(run(store, "keys"))).toEqual([...keys].sort());
    // keys moved nothing: the walk left the resize where it was.
    expect(store.older.size).toBeGreaterThanOrEqual(500);
  });
});

describe("the store", () => {
  // Shows: the store is the chapter's own hashtable, not a V8 Map, and it keeps every key
  // through many resizes: 20,000 keys set, each read back, half deleted, the rest intact.
  test("keeps every key through its resizes, with no Map inside", () => {
    const store = createStore();
    expect(store).not.toBeInstanceOf(Map);
    const n = 20_000;
    for (let i = 0; i < n; i++) storeSet(store, `key:${i}`, `value ${i}`);
    const lost: number[] = [];
    for (let i = 0; i < n; i++) if (storeGet(store, `key:${i}`) !== `value ${i}`) lost.push(i);
    expect(lost).toEqual([]);
    for (let i = 0; i < n; i += 2) expect(storeDel(store, `key:${i}`)).toBe(true);
    const wrong: number[] = [];
    for (let i = 0; i < n; i++) {
      if (storeGet(store, `key:${i}`) !== (i % 2 === 0 ? undefined : `value ${i}`)) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(storeDel(store, "key:0")).toBe(false);
  });
});
