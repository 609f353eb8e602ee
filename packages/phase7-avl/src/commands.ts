// The commands: what the server does with a request, the book's
// do_request().
//
// A request arrives as a list of strings (request.ts): the command's name,
// then its arguments. This chapter knows four commands, and each answers
// with one typed value (response.ts):
//
//   get <key>           -> STR, the value; or NIL (no such key)
//   set <key> <value>   -> NIL
//   del <key>           -> INT, 1 if the key existed, else 0
//   keys                -> ARR of STR, every key
//
// Anything else, a wrong number of arguments included, is ERR 1 "unknown
// command.". Names are compared exactly, byte for byte: "GET" is not
// "get". That is the book's second edition (its first edition, like Redis,
// ignores case). The arity is exact too: `get a b` is not a `get`.
import type { OutBuffer } from "./out-buffer.ts";
import { ERR_UNKNOWN, outArr, outErr, outInt, outNil, outStr } from "./response.ts";
import { type Store, storeDel, storeForEachKey, storeGet, storeSet, storeSize } from "./store.ts";

/**
 * Runs the command in `args` against `store` and writes its reply, one
 * value, into `out` (the book's `Buffer &out`).
 *
 * The book dispatches with a chain of `if`s on the name and the argument
 * count, and so do we: with four commands, a table would only hide them.
 */
export function doRequest(store: Store, args: readonly string[], out: OutBuffer): void {
  const [name, key, value] = args;
  if (args.length === 2 && name === "get" && key !== undefined) doGet(store, key, out);
  else if (args.length === 3 && name === "set" && key !== undefined && value !== undefined) {
    doSet(store, key, value, out);
  } else if (args.length === 2 && name === "del" && key !== undefined) doDel(store, key, out);
  else if (args.length === 1 && name === "keys") doKeys(store, out);
  // An empty request (nstr = 0) lands here too: it names no command.
  else outErr(out, ERR_UNKNOWN, "unknown command.");
}

/** get: the value as a string, or nil: "no such key" is now a value of its own, not a status. */
function doGet(store: Store, key: string, out: OutBuffer): void {
  const value = storeGet(store, key);
  if (value === undefined) outNil(out);
  else outStr(out, value);
}

/** set: store the value; nil (there is nothing to say but "done"). */
function doSet(store: Store, key: string, value: string, out: OutBuffer): void {
  storeSet(store, key, value);
  outNil(out);
}

/** del: remove the key; an integer says whether it was there (1) or not (0). */
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
