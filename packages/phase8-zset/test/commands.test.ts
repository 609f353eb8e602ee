// The command table and the store, in process: each command's reply as a
// typed value, exact names and arity, `keys` (whole, and in the middle of a
// resize), and a store that keeps every key it is given.
import "./helpers/seed.ts";
import fc from "fast-check";
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

describe("sorted sets", () => {
  const dbl = (value: number): Value => ({ type: "dbl", value });
  const err = (code: number, message: string): Value => ({ type: "err", code, message });

  // Shows: a key holds one type: get and set refuse a sorted set, the z-commands a string.
  test("keeps strings and sorted sets apart", () => {
    const store = createStore();
    run(store, "set", "s", "text");
    expect(run(store, "zadd", "z", "1", "m")).toEqual(int(1));
    expect(run(store, "get", "z")).toEqual(err(3, "not a string value"));
    expect(run(store, "set", "z", "x")).toEqual(err(3, "a non-string value exists"));
    expect(run(store, "zadd", "s", "1", "m")).toEqual(err(3, "expect zset"));
    expect(run(store, "zscore", "s", "m")).toEqual(err(3, "expect zset"));
    expect(keysOf(run(store, "keys"))).toEqual(["s", "z"]);
    expect(run(store, "del", "z")).toEqual(int(1));
    expect(run(store, "get", "z")).toEqual(nil);
  });

  // Shows: random zadd/zrem/zscore/zquery sequences agree with a sorted array of pairs.
  test("agrees with a sorted array (fast-check)", () => {
    const name = fc.constantFrom("a", "b", "ab", "", "zz", "\u00ff", "a\u0000");
    const score = fc.constantFrom("0", "-0", "1", "1.5", "-2", "inf", "-inf", "3");
    const op = fc.oneof(
      // zadd twice as often as the others, so sets grow big enough for long queries.
      fc.tuple(fc.constant("zadd"), score, name),
      fc.tuple(fc.constant("zadd"), score, name),
      fc.tuple(fc.constant("zrem"), name),
      fc.tuple(fc.constant("zscore"), name),
      fc.tuple(
        fc.constant("zquery"),
        score,
        name,
        fc.integer({ min: -8, max: 8 }),
        fc.integer({ min: -1, max: 9 }),
      ),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const store = createStore();
        let model: { name: string; score: number }[] = [];
        const sorted = () =>
          [...model].sort(
            (x, y) => x.score - y.score || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0),
          );
        for (const [cmd, ...rest] of ops) {
          if (cmd === "zadd") {
            const [s, n] = rest as [string, string];
            const value = Number(s.replace("inf", "Infinity"));
            const had = model.find((p) => p.name === n);
            // An equal score (-0 and 0 are equal, as in C) changes nothing: the old one stays.
            if (!had || had.score !== value) {
              model = [...model.filter((p) => p.name !== n), { name: n, score: value }];
            }
            expect(run(store, "zadd", "k", s, n)).toEqual(int(had ? 0 : 1));
          } else if (cmd === "zrem") {
            const [n] = rest as [string];
            const had = model.some((p) => p.name === n);
            model = model.filter((p) => p.name !== n);
            expect(run(store, "zrem", "k", n)).toEqual(int(had ? 1 : 0));
          } else if (cmd === "zscore") {
            const [n] = rest as [string];
            const found = model.find((p) => p.name === n);
            expect(run(store, "zscore", "k", n)).toEqual(found ? dbl(found.score) : nil);
          } else {
            const [s, n, offset, limit] = rest as [string, string, number, number];
            const value = Number(s.replace("inf", "Infinity"));
            const all = sorted();
            const start = all.findIndex(
              (p) => p.score > value || (p.score === value && !(p.name < n)),
            );
            const values: Value[] = [];
            if (limit > 0 && start !== -1) {
              for (let i = start + offset; i >= 0 && i < all.length && values.length < limit; i++) {
                const pair = all[i];
                if (pair) values.push(str(pair.name), dbl(pair.score));
              }
            }
            expect(run(store, "zquery", "k", s, n, String(offset), String(limit))).toEqual({
              type: "arr",
              values,
            });
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
