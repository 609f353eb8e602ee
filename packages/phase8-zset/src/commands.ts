// The commands: what the server does with a request, the book's
// do_request().
//
// A request arrives as a list of strings (request.ts): the command's name,
// then its arguments. Each command answers with one typed value
// (response.ts). A key now holds a string or a sorted set (store.ts):
//
//   get <key>                 -> STR, or NIL; ERR 3 on a sorted set
//   set <key> <value>         -> NIL; ERR 3 if the key holds a sorted set
//   del <key>                 -> INT, 1 if the key existed, else 0 (any type)
//   keys                      -> ARR of STR, every key
//   zadd <key> <score> <name> -> INT, 1 if the name was added, 0 if its score changed
//   zrem <key> <name>         -> INT, 1 if the name was there, else 0
//   zscore <key> <name>       -> DBL, the score, or NIL
//   zquery <key> <score> <name> <offset> <limit>
//                             -> ARR of name, score, name, score, ...: from the
//                                first pair >= (score, name), `offset` pairs on,
//                                at most `limit` values (so limit/2 pairs)
//
// A sorted-set command on a missing key acts on an empty set (zrem 0,
// zscore NIL, zquery []); on a string key it is ERR 3 "expect zset". A bad
// number is ERR 4, checked before the key is looked at, as in the book.
// Anything else, a wrong number of arguments included, is ERR 1 "unknown
// command.". Names are compared exactly, byte for byte: "GET" is not
// "get". That is the book's second edition (its first edition, like Redis,
// ignores case). The arity is exact too: `get a b` is not a `get`.
import { parseInt64, parseScore } from "./numbers.ts";
import type { OutBuffer } from "./out-buffer.ts";
import {
  ERR_BAD_ARG,
  ERR_BAD_TYP,
  ERR_UNKNOWN,
  outArr,
  outBeginArr,
  outDbl,
  outEndArr,
  outErr,
  outInt,
  outNil,
  outStr,
} from "./response.ts";
import {
  type Store,
  storeDel,
  storeForEachKey,
  storeGet,
  storeSet,
  storeSize,
  type Value,
} from "./store.ts";
import {
  type ZSet,
  znodeOffset,
  zsetDelete,
  zsetInsert,
  zsetLookup,
  zsetNew,
  zsetSeek,
} from "./zset.ts";

/**
 * Runs the command in `args` against `store` and writes its reply, one
 * value, into `out` (the book's `Buffer &out`).
 *
 * The book dispatches with a chain of `if`s on the name and the argument
 * count, and so do we: with eight commands, a table would be the next step
 * (Redis has one: a dictionary from name to handler and arity).
 */
export function doRequest(store: Store, args: readonly string[], out: OutBuffer): void {
  const [name, key, value] = args;
  const [, , a2, a3, a4, a5] = args;
  if (args.length === 2 && name === "get" && key !== undefined) doGet(store, key, out);
  else if (args.length === 3 && name === "set" && key !== undefined && value !== undefined) {
    doSet(store, key, value, out);
  } else if (args.length === 2 && name === "del" && key !== undefined) doDel(store, key, out);
  else if (args.length === 1 && name === "keys") doKeys(store, out);
  else if (
    args.length === 4 &&
    name === "zadd" &&
    key !== undefined &&
    a2 !== undefined &&
    a3 !== undefined
  ) {
    doZadd(store, key, a2, a3, out);
  } else if (args.length === 3 && name === "zrem" && key !== undefined && a2 !== undefined) {
    doZrem(store, key, a2, out);
  } else if (args.length === 3 && name === "zscore" && key !== undefined && a2 !== undefined) {
    doZscore(store, key, a2, out);
  } else if (
    args.length === 6 &&
    name === "zquery" &&
    key !== undefined &&
    a2 !== undefined &&
    a3 !== undefined &&
    a4 !== undefined &&
    a5 !== undefined
  ) {
    doZquery(store, key, a2, a3, a4, a5, out);
  }
  // An empty request (nstr = 0) lands here too: it names no command.
  else outErr(out, ERR_UNKNOWN, "unknown command.");
}

/**
 * get: the value as a string, or nil: "no such key" is now a value of its own, not a status.
 * A sorted set is not a string: ERR 3.
 */
function doGet(store: Store, key: string, out: OutBuffer): void {
  const value = storeGet(store, key);
  if (value === undefined) outNil(out);
  else if (typeof value !== "string") outErr(out, ERR_BAD_TYP, "not a string value");
  else outStr(out, value);
}

/**
 * set: store the value; nil (there is nothing to say but "done"). A key that
 * holds a sorted set is not overwritten: ERR 3.
 */
function doSet(store: Store, key: string, value: string, out: OutBuffer): void {
  // One lookup: storeSet checks the old value's type where it finds it.
  if (storeSet(store, key, value, isString)) outNil(out);
  else outErr(out, ERR_BAD_TYP, "a non-string value exists");
}

/** A key holding a string may be set again; one holding a sorted set may not. */
const isString = (value: Value): boolean => typeof value === "string";

/** del: remove the key; an integer says whether it was there (1) or not (0). Any type. */
function doDel(store: Store, key: string, out: OutBuffer): void {
  outInt(out, storeDel(store, key) ? 1 : 0);
}

/**
 * keys: an array of every key. The count is known before the first key is
 * written (the table knows its size), so it goes first, as in the book.
 *
 * This walks the whole table while every other client waits: O(n) in one
 * request, exactly what chapter 8 worked to avoid for resizing. Redis says
 * the same of its KEYS ("don't use it in production") and offers SCAN,
 * which returns the keys a slice at a time. And a big store's reply is
 * over the message limit anyway: the server then sends ERR 2 instead.
 */
function doKeys(store: Store, out: OutBuffer): void {
  outArr(out, storeSize(store));
  storeForEachKey(store, (key) => outStr(out, key));
}

/** A missing key acts as this: an empty sorted set, never changed (the book's k_empty_zset). */
const EMPTY_ZSET: ZSet = zsetNew();

/** The sorted set at `key`: an empty one if the key is missing, null if it holds a string. */
function expectZset(store: Store, key: string): ZSet | null {
  const value = storeGet(store, key);
  if (value === undefined) return EMPTY_ZSET;
  return typeof value === "string" ? null : value;
}

/**
 * zadd: add `name` with `score`, or move it to its new score. 1 if added,
 * 0 if updated. The score is parsed first (ERR 4), then the key is found
 * or made (ERR 3 if it holds a string).
 */
function doZadd(store: Store, key: string, scoreText: string, name: string, out: OutBuffer): void {
  const score = parseScore(scoreText);
  if (score === null) {
    outErr(out, ERR_BAD_ARG, "expect float");
    return;
  }
  let zset = storeGet(store, key);
  if (zset === undefined) {
    zset = zsetNew();
    storeSet(store, key, zset);
  } else if (typeof zset === "string") {
    outErr(out, ERR_BAD_TYP, "expect zset");
    return;
  }
  outInt(out, zsetInsert(zset, name, score) ? 1 : 0);
}

/** zrem: remove `name`; 1 if it was there. A set emptied this way stays, as an empty set. */
function doZrem(store: Store, key: string, name: string, out: OutBuffer): void {
  const zset = expectZset(store, key);
  if (zset === null) {
    outErr(out, ERR_BAD_TYP, "expect zset");
    return;
  }
  const node = zsetLookup(zset, name);
  if (node) zsetDelete(zset, node);
  outInt(out, node ? 1 : 0);
}

/** zscore: `name`'s score as a double, or nil. */
function doZscore(store: Store, key: string, name: string, out: OutBuffer): void {
  const zset = expectZset(store, key);
  if (zset === null) {
    outErr(out, ERR_BAD_TYP, "expect zset");
    return;
  }
  const node = zsetLookup(zset, name);
  if (node) outDbl(out, node.score);
  else outNil(out);
}

/**
 * zquery: the pairs from the first one >= (score, name), `offset` pairs
 * further (negative: back), as name, score, name, score, ... until the
 * array holds `limit` values. Seek (O(log n)), offset (O(log n) with the
 * subtree counts), then one step per pair: O(log n + limit), however big
 * the offset.
 */
function doZquery(
  store: Store,
  key: string,
  scoreText: string,
  name: string,
  offsetText: string,
  limitText: string,
  out: OutBuffer,
): void {
  // The arguments first: a bad one is ERR 4 even on a key of the wrong type.
  const score = parseScore(scoreText);
  if (score === null) {
    outErr(out, ERR_BAD_ARG, "expect fp number");
    return;
  }
  const offset = parseInt64(offsetText);
  const limit = parseInt64(limitText);
  if (offset === null || limit === null) {
    outErr(out, ERR_BAD_ARG, "expect int");
    return;
  }
  const zset = expectZset(store, key);
  if (zset === null) {
    outErr(out, ERR_BAD_TYP, "expect zset");
    return;
  }
  if (limit <= 0n) {
    outArr(out, 0);
    return;
  }
  // Seek, then move `offset` pairs. The offset is an int64; a set cannot
  // hold 2^53 pairs, so one that big lands past either end all the same.
  let node = znodeOffset(zsetSeek(zset, score, name), Number(clamp(offset)));
  // The count is not known until the walk stops: reserve it, patch it after.
  const at = outBeginArr(out);
  let values = 0n;
  while (node !== null && values < limit) {
    outStr(out, node.name);
    outDbl(out, node.score);
    values += 2n;
    node = znodeOffset(node, +1);
  }
  outEndArr(out, at, Number(values));
}

/** An int64 brought within the range of exact JavaScript integers (larger is as good as infinite here). */
function clamp(n: bigint): bigint {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return n > max ? max : n < -max ? -max : n;
}
