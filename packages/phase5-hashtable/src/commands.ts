// The commands: what the server does with a request, the book's
// do_request().
//
// A request arrives as a list of strings (request.ts): the command's name,
// then its arguments. This chapter knows three commands:
//
//   get <key>           -> status 0 and the value, or status 2 (no such key)
//   set <key> <value>   -> status 0
//   del <key>           -> status 0, whether or not the key existed
//
// Anything else, a wrong number of arguments included, is status 1, an
// unknown command. Names are compared exactly, byte for byte: "GET" is not
// "get". That is the book's second edition (its first edition, like Redis,
// ignores case). The arity is exact too: `get a b` is not a `get`.
import { encodeResponse, RES_ERR, RES_NX, RES_OK } from "./response.ts";
import { type Store, storeDel, storeGet, storeSet } from "./store.ts";

/**
 * Runs the command in `args` against `store` and returns the payload of its
 * response (response.ts), ready to be framed.
 *
 * The book dispatches with a chain of `if`s on the name and the argument
 * count, and so do we: with three commands, a table would only hide them.
 */
export function doRequest(store: Store, args: readonly string[]): Buffer {
  const [name, key, value] = args;
  if (args.length === 2 && name === "get" && key !== undefined) return doGet(store, key);
  if (args.length === 3 && name === "set" && key !== undefined && value !== undefined) {
    return doSet(store, key, value);
  }
  if (args.length === 2 && name === "del" && key !== undefined) return doDel(store, key);
  // An empty request (nstr = 0) lands here too: it names no command.
  return encodeResponse(RES_ERR);
}

/** get: the value, or NX. */
function doGet(store: Store, key: string): Buffer {
  const value = storeGet(store, key);
  if (value === undefined) return encodeResponse(RES_NX);
  return encodeResponse(RES_OK, value);
}

/** set: store the value; OK. (It cannot fail: the table grows as long as memory lasts.) */
function doSet(store: Store, key: string, value: string): Buffer {
  storeSet(store, key, value);
  return encodeResponse(RES_OK);
}

/** del: remove the key, if it was there; OK either way (the book does not say which). */
function doDel(store: Store, key: string): Buffer {
  storeDel(store, key);
  return encodeResponse(RES_OK);
}
