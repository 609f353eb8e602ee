// Sorted-set specs: what every phase from phase 8 on must do with the book's
// zadd, zrem, zscore and zquery (BOOK.md, chapter 11), checked over real TCP
// with hand-made bytes and typed replies. Written independently of any
// phase's code, so a bug there cannot hide itself here.
import type { RawClient } from "@rah/core/testing";
import { describe, expect, test } from "vitest";
import { useTarget } from "./fixtures.ts";
import { readFrame } from "./frames.ts";
import { kvRequest, typed } from "./kv.ts";
import type { Target } from "./target.ts";

const hex = (bytes: Buffer) => bytes.toString("hex");
const int = (n: number) => typed.int(BigInt(n));
/** An array of (name, score) pairs, as zquery answers. */
const pairs = (...list: [string | Uint8Array, number][]) =>
  typed.arr(...list.flatMap(([name, score]) => [typed.str(name), typed.dbl(score)]));

export function zsetSpecs(target: Target): void {
  describe(`${target.name}: sorted sets`, () => {
    const clients = useTarget(target);
    /** Sends one command and returns the reply's payload as hex. */
    const ask = async (client: RawClient, ...args: (string | Uint8Array)[]) => {
      await client.send(kvRequest(...args));
      return hex(await readFrame(client));
    };

    // Shows: the book's test_cmds.py sequence, reply for reply, byte for byte.
    test("answers the book's command sequence", async () => {
      const c = await clients.open();
      expect(await ask(c, "zscore", "asdf", "n1")).toBe(hex(typed.nil()));
      expect(await ask(c, "zquery", "xxx", "1", "asdf", "1", "10")).toBe(hex(typed.arr()));
      expect(await ask(c, "zadd", "zset", "1", "n1")).toBe(hex(int(1)));
      expect(await ask(c, "zadd", "zset", "2", "n2")).toBe(hex(int(1)));
      expect(await ask(c, "zadd", "zset", "1.1", "n1")).toBe(hex(int(0)));
      expect(await ask(c, "zscore", "zset", "n1")).toBe(hex(typed.dbl(1.1)));
      expect(await ask(c, "zquery", "zset", "1", "", "0", "10")).toBe(
        hex(pairs(["n1", 1.1], ["n2", 2])),
      );
      expect(await ask(c, "zquery", "zset", "1.1", "", "1", "10")).toBe(hex(pairs(["n2", 2])));
      expect(await ask(c, "zquery", "zset", "1.1", "", "2", "10")).toBe(hex(typed.arr()));
      expect(await ask(c, "zrem", "zset", "adsf")).toBe(hex(int(0)));
      expect(await ask(c, "zrem", "zset", "n1")).toBe(hex(int(1)));
      expect(await ask(c, "zquery", "zset", "1", "", "0", "10")).toBe(hex(pairs(["n2", 2])));
    });

    // Shows: pairs come in score order, ties broken by name bytewise, a shorter name first.
    test("orders by score, then by name bytewise with a prefix first", async () => {
      const c = await clients.open();
      for (const [score, name] of [
        ["2", "b"],
        ["1", "zz"],
        ["2", "a"],
        ["2", "ab"],
        ["1", "z"],
        ["-1.5", "neg"],
      ] as const) {
        await ask(c, "zadd", "order", score, name);
      }
      expect(await ask(c, "zquery", "order", "-inf", "", "0", "100")).toBe(
        hex(pairs(["neg", -1.5], ["z", 1], ["zz", 1], ["a", 2], ["ab", 2], ["b", 2])),
      );
      // Binary names: bytes compare as unsigned, 0xff after every ASCII letter, NUL first.
      await ask(c, "zadd", "bin", "0", Buffer.from([0xff]));
      await ask(c, "zadd", "bin", "0", Buffer.from([0x00, 0x01]));
      await ask(c, "zadd", "bin", "0", "m");
      expect(await ask(c, "zquery", "bin", "0", "", "0", "10")).toBe(
        hex(pairs([Buffer.from([0, 1]), 0], ["m", 0], [Buffer.from([0xff]), 0])),
      );
      expect(await ask(c, "zscore", "bin", Buffer.from([0xff]))).toBe(hex(typed.dbl(0)));
    });

    // Shows: zquery's offset moves from the seek in either direction, and past either end is [].
    test("moves by the offset from the first pair it finds", async () => {
      const c = await clients.open();
      for (let i = 1; i <= 5; i++) await ask(c, "zadd", "five", String(i), `m${i}`);
      const q = (score: string, offset: string, limit = "100") =>
        ask(c, "zquery", "five", score, "", offset, limit);
      expect(await q("3", "0")).toBe(hex(pairs(["m3", 3], ["m4", 4], ["m5", 5])));
      expect(await q("3", "-2")).toBe(
        hex(pairs(["m1", 1], ["m2", 2], ["m3", 3], ["m4", 4], ["m5", 5])),
      );
      expect(await q("3", "-3")).toBe(hex(typed.arr()));
      expect(await q("3", "2")).toBe(hex(pairs(["m5", 5])));
      expect(await q("3", "3")).toBe(hex(typed.arr()));
      expect(await q("3", "9223372036854775807")).toBe(hex(typed.arr()));
      expect(await q("3", "-9223372036854775808")).toBe(hex(typed.arr()));
      // A seek past the last pair finds nothing, so no offset can bring it back.
      expect(await q("6", "-3")).toBe(hex(typed.arr()));
      // A name breaks the tie at the seek's score: "m3" itself, then anything after it.
      expect(await ask(c, "zquery", "five", "3", "m3", "0", "2")).toBe(hex(pairs(["m3", 3])));
      expect(await ask(c, "zquery", "five", "3", "m3~", "0", "2")).toBe(hex(pairs(["m4", 4])));
    });

    // Shows: the limit counts values, two per pair: 0 is [], 1 and 2 one pair, 3 and 4 two.
    test("stops when the array holds `limit` values, whole pairs only", async () => {
      const c = await clients.open();
      for (let i = 1; i <= 4; i++) await ask(c, "zadd", "lim", String(i), `m${i}`);
      const q = (limit: string) => ask(c, "zquery", "lim", "0", "", "0", limit);
      expect(await q("0")).toBe(hex(typed.arr()));
      expect(await q("-5")).toBe(hex(typed.arr()));
      expect(await q("1")).toBe(hex(pairs(["m1", 1])));
      expect(await q("2")).toBe(hex(pairs(["m1", 1])));
      expect(await q("3")).toBe(hex(pairs(["m1", 1], ["m2", 2])));
      expect(await q("7")).toBe(hex(pairs(["m1", 1], ["m2", 2], ["m3", 3], ["m4", 4])));
    });

    // Shows: re-adding a member with the same score is an update (0) that changes nothing.
    test("re-adds a member with the same score as an update", async () => {
      const c = await clients.open();
      expect(await ask(c, "zadd", "same", "5", "m")).toBe(hex(int(1)));
      expect(await ask(c, "zadd", "same", "5", "m")).toBe(hex(int(0)));
      expect(await ask(c, "zadd", "same", "-2", "m")).toBe(hex(int(0)));
      expect(await ask(c, "zquery", "same", "-inf", "", "0", "10")).toBe(hex(pairs(["m", -2])));
    });

    // Shows: infinite scores are scores; -0 equals 0; a score is a double, printed exactly.
    test("takes infinities, -0 and fractions as scores", async () => {
      const c = await clients.open();
      await ask(c, "zadd", "odd", "inf", "top");
      await ask(c, "zadd", "odd", "-inf", "bottom");
      await ask(c, "zadd", "odd", "-0", "zero");
      await ask(c, "zadd", "odd", "0.1", "tenth");
      expect(await ask(c, "zscore", "odd", "top")).toBe(hex(typed.dbl(Number.POSITIVE_INFINITY)));
      expect(await ask(c, "zscore", "odd", "tenth")).toBe(hex(typed.dbl(0.1)));
      expect(await ask(c, "zquery", "odd", "0", "", "0", "10")).toBe(
        hex(pairs(["zero", -0], ["tenth", 0.1], ["top", Number.POSITIVE_INFINITY])),
      );
      expect(await ask(c, "zquery", "odd", "-inf", "", "0", "2")).toBe(
        hex(pairs(["bottom", Number.NEGATIVE_INFINITY])),
      );
    });

    // Shows: a missing key is an empty set for the sorted-set commands.
    test("treats a missing key as an empty set", async () => {
      const c = await clients.open();
      expect(await ask(c, "zrem", "missing", "m")).toBe(hex(int(0)));
      expect(await ask(c, "zscore", "missing", "m")).toBe(hex(typed.nil()));
      expect(await ask(c, "zquery", "missing", "0", "", "0", "10")).toBe(hex(typed.arr()));
      expect(await ask(c, "get", "missing")).toBe(hex(typed.nil()));
    });

    // Shows: a key holds one type: string commands on a sorted set and sorted-set commands on
    // a string are ERR 3; del removes either; an emptied set stays as a key until del.
    test("keeps strings and sorted sets apart", async () => {
      const c = await clients.open();
      await ask(c, "set", "str", "text");
      await ask(c, "zadd", "zs", "1", "m");
      expect(await ask(c, "get", "zs")).toBe(hex(typed.err(3, "not a string value")));
      expect(await ask(c, "set", "zs", "x")).toBe(hex(typed.err(3, "a non-string value exists")));
      for (const args of [
        ["zadd", "str", "1", "m"],
        ["zrem", "str", "m"],
        ["zscore", "str", "m"],
        ["zquery", "str", "0", "", "0", "10"],
      ]) {
        expect(await ask(c, ...args)).toBe(hex(typed.err(3, "expect zset")));
      }
      expect(await ask(c, "get", "str")).toBe(hex(typed.str("text")));
      await ask(c, "zrem", "zs", "m");
      expect(await ask(c, "zquery", "zs", "0", "", "0", "10")).toBe(hex(typed.arr()));
      expect(await ask(c, "get", "zs")).toBe(hex(typed.err(3, "not a string value")));
      expect(await ask(c, "del", "zs")).toBe(hex(int(1)));
      expect(await ask(c, "get", "zs")).toBe(hex(typed.nil()));
      expect(await ask(c, "del", "str")).toBe(hex(int(1)));
    });

    // Shows: bad numbers are ERR 4 with the book's messages, checked before the key's type.
    test("refuses bad numbers with ERR 4", async () => {
      const c = await clients.open();
      await ask(c, "set", "str", "text");
      await ask(c, "zadd", "zs", "1", "m");
      const badFloat = hex(typed.err(4, "expect float"));
      const badFp = hex(typed.err(4, "expect fp number"));
      const badInt = hex(typed.err(4, "expect int"));
      for (const score of ["nan", "NaN", "abc", "1x", "1 ", "--1", "0x"]) {
        expect(await ask(c, "zadd", "zs", score, "m")).toBe(badFloat);
        expect(await ask(c, "zquery", "zs", score, "", "0", "10")).toBe(badFp);
      }
      for (const n of ["1.5", "x", "1e3", " 1x", "0x10"]) {
        expect(await ask(c, "zquery", "zs", "0", "", n, "10")).toBe(badInt);
        expect(await ask(c, "zquery", "zs", "0", "", "0", n)).toBe(badInt);
      }
      // The arguments are checked first: a bad score on a string key is ERR 4, not ERR 3.
      expect(await ask(c, "zadd", "str", "nan", "m")).toBe(badFloat);
      expect(await ask(c, "zquery", "str", "0", "", "x", "10")).toBe(badInt);
      expect(await ask(c, "zscore", "zs", "m")).toBe(hex(typed.dbl(1)));
    });

    // Shows: the sorted-set commands have exact arity too.
    test("answers a wrong number of arguments as an unknown command", async () => {
      const c = await clients.open();
      for (const args of [
        ["zadd", "k", "1"],
        ["zadd", "k", "1", "m", "extra"],
        ["zrem", "k"],
        ["zscore", "k"],
        ["zquery", "k", "0", "", "0"],
        ["ZADD", "k", "1", "m"],
      ]) {
        expect(await ask(c, ...args)).toBe(hex(typed.err(1, "unknown command.")));
      }
    });
  });
}
