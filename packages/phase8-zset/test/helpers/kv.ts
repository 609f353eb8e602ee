// Key-value helpers for the tests phase 4 adapted from phase 3's echo tests
// (typed replies since phase 6).
//
// An echo server's reply is the request itself, so any request told its own
// reply apart. A key-value server's reply is what its store holds. So these
// tests fill a store before the server starts, through src/store.ts's own
// API (createStore, storeSet: the same in every later phase, whatever is
// inside), and ask for its keys with `get`: each reply is then the value of
// its own key, and a reply sent to the wrong client, or out of order, shows.
// The bytes on the wire come from the spec helpers (@rah/specs), written
// apart from src, so a bug in the phase's encoders cannot hide itself.
import type { RawClient } from "@rah/core/testing";
import { frames, kvPayload, roundTrip, typed } from "@rah/specs";
import { createStore, type Store, storeSet } from "../../src/store.ts";

/** The value a key holds when any value will do, as long as each key has its own. */
export function valueFor(key: string): string {
  return `value of ${key}`;
}

/**
 * A store made with createStore() and filled with storeSet(): each entry is
 * a key and its value, or a bare key, which holds valueFor(key).
 *
 * Keys and values must be ASCII: the store keeps byte strings (one char per
 * byte), the spec helpers send a string as its UTF-8 bytes, and the two are
 * the same bytes only for ASCII.
 */
export function storeWith(entries: Iterable<string | readonly [string, string]>): Store {
  const store = createStore();
  for (const entry of entries) {
    const [key, value] = typeof entry === "string" ? [entry, valueFor(entry)] : entry;
    storeSet(store, ascii(key), ascii(value));
  }
  return store;
}

/** `text`, checked to be ASCII (one UTF-8 byte per char). */
function ascii(text: string): string {
  if (Buffer.byteLength(text) !== text.length) {
    throw new Error(`test keys and values must be ASCII: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return text;
}

/**
 * Bytes as hex, to compare replies: a mismatch shows as a diff of two
 * strings, and comparing strings is fast (vitest's toEqual walks a Buffer
 * one byte at a time: seconds for a few hundred KB).
 */
export function hex(bytes: Buffer): string {
  return bytes.toString("hex");
}

/** Sends `get <key>` as one frame and returns the payload of the reply. */
export function get(client: RawClient, key: string): Promise<Buffer> {
  return roundTrip(client, kvPayload("get", key));
}

/** `get <key>` for each key, framed, back to back: a pipeline, as one write sends it. */
export function gets(keys: readonly string[]): Buffer {
  return frames(keys.map((key) => kvPayload("get", key)));
}

/** The payload of the reply to a get of a key that holds `value`: STR, the value. */
export function hit(value: string | Uint8Array): Buffer {
  return typed.str(value);
}

/** The replies to gets of keys holding `values`, framed, back to back, as the server sends them. */
export function hits(values: readonly string[]): Buffer {
  return frames(values.map((value) => hit(value)));
}
