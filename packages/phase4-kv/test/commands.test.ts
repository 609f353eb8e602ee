// The command table and the store, in process: each command's response,
// exact names and arity, and what happens when the store cannot take a key.
import { silentLogger } from "@rah/core";
import { openClient } from "@rah/core/testing";
import { kvRequest, readFrame, statusReply } from "@rah/specs";
import { afterEach, describe, expect, test } from "vitest";
import { doRequest } from "../src/commands.ts";
import { decodeResponse, RES_ERR, RES_NX, RES_OK } from "../src/response.ts";
import { startServer } from "../src/server.ts";
import { createStore, MAP_LIMIT, type Store, StoreFullError, storeSet } from "../src/store.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs a command and decodes its response (data as text). */
function run(store: Store, ...args: string[]) {
  const { status, data } = decodeResponse(doRequest(store, args));
  return { status, data: data.toString("latin1") };
}

/**
 * A Map that refuses new keys past `limit` entries, with V8's error and
 * message (filling a real one takes gigabytes). V8's rule is subtler: its
 * limit counts the table's slots, deleted keys included until it rebuilds
 * the table; this stand-in only counts keys, which is all these tests need.
 */
class TinyMap extends Map<string, string> {
  readonly #limit: number;
  constructor(limit: number) {
    super();
    this.#limit = limit;
  }
  override set(key: string, value: string): this {
    if (!this.has(key) && this.size >= this.#limit)
      throw new RangeError("Map maximum size exceeded");
    return super.set(key, value);
  }
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

describe("a full store", () => {
  // Shows: the store reports V8's refusal as a StoreFullError that says how many keys it holds.
  test("turns V8's RangeError into a StoreFullError", () => {
    const store = new TinyMap(2);
    storeSet(store, "a", "1");
    storeSet(store, "b", "2");
    expect(() => storeSet(store, "c", "3")).toThrow(StoreFullError);
    expect(() => storeSet(store, "c", "3")).toThrow(/^the store is full: .* \(it holds 2 keys; /);
    // An existing key can still change: only new keys need room.
    storeSet(store, "a", "one");
    expect(store.get("a")).toBe("one");
    expect(MAP_LIMIT).toBe(16_777_216);
  });

  // Shows: over TCP, a set that does not fit gets an ERR with the reason, and the server keeps serving.
  test("answers a set that does not fit with an error, and goes on serving", async () => {
    const store = new TinyMap(1);
    const server = await startServer({ host: "127.0.0.1", port: 0, log: silentLogger, store });
    cleanup.push(() => server.close());
    const client = await openClient(server.port);
    cleanup.push(() => client.destroy());
    const ask = async (...args: string[]) => {
      await client.send(kvRequest(...args));
      return (await readFrame(client)).toString("hex");
    };
    expect(await ask("set", "first", "fits")).toBe(statusReply(0).toString("hex"));
    expect(await ask("set", "second", "does not fit")).toBe(
      statusReply(1, new StoreFullError(1, null).message).toString("hex"),
    );
    expect(await ask("get", "first")).toBe(statusReply(0, "fits").toString("hex"));
    expect(await ask("get", "second")).toBe(statusReply(2).toString("hex"));
  });
});
