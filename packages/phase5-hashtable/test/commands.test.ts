// The command table and the store, in process: each command's response,
// exact names and arity, and a store that keeps every key it is given.
import { describe, expect, test } from "vitest";
import { doRequest } from "../src/commands.ts";
import { decodeResponse, RES_ERR, RES_NX, RES_OK } from "../src/response.ts";
import { createStore, type Store, storeDel, storeGet, storeSet } from "../src/store.ts";

/** Runs a command and decodes its response (data as text). */
function run(store: Store, ...args: string[]) {
  const { status, data } = decodeResponse(doRequest(store, args));
  return { status, data: data.toString("latin1") };
}

describe("doRequest", () => {
  // Shows: get, set and del with the book's statuses: OK, NX for a miss, OK for any del.
  test("answers get, set and del", () => {
    const store = createStore();
    expect(run(store, "get", "k")).toEqual({ status: RES_NX, data: "" });
    expect(run(store, "set", "k", "v")).toEqual({ status: RES_OK, data: "" });
    expect(run(store, "get", "k")).toEqual({ status: RES_OK, data: "v" });
    expect(run(store, "set", "k", "w")).toEqual({ status: RES_OK, data: "" });
    expect(run(store, "get", "k")).toEqual({ status: RES_OK, data: "w" });
    expect(run(store, "del", "k")).toEqual({ status: RES_OK, data: "" });
    expect(run(store, "del", "k")).toEqual({ status: RES_OK, data: "" });
    expect(run(store, "get", "k")).toEqual({ status: RES_NX, data: "" });
  });

  // Shows: names are exact (case counts), arity is exact, and an empty command is unknown.
  test("refuses every other name and arity with ERR", () => {
    const store = createStore();
    for (const args of [
      ["GET", "k"],
      ["Get", "k"],
      ["get"],
      ["get", "a", "b"],
      ["set", "k"],
      ["del"],
      ["keys"],
      [],
    ]) {
      expect(run(store, ...args).status).toBe(RES_ERR);
    }
  });

  // Shows: keys are bytes: "a\0b" and "a" are different keys, and an empty key is a key.
  test("keeps keys byte for byte", () => {
    const store = createStore();
    run(store, "set", "a\u0000b", "with a NUL");
    run(store, "set", "", "empty key");
    expect(run(store, "get", "a").status).toBe(RES_NX);
    expect(run(store, "get", "a\u0000b").data).toBe("with a NUL");
    expect(run(store, "get", "").data).toBe("empty key");
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
