// Splitting typed lines into arguments: a table of lines, each checked
// against what /bin/sh makes of the same line, random lines compared with
// /bin/sh, the deliberate differences from a shell, and the errors.
import "./helpers/seed.ts";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { splitWords, UnfinishedLineError } from "../src/words.ts";

/**
 * What /bin/sh makes of `line` as the arguments of a command: the words,
 * or "error" when the shell refuses the line (an unclosed quote).
 */
function shWords(line: string): string[] | "error" {
  // `set -- <line>` makes the words the positional parameters; printing
  // the count and each word followed by a NUL shows empty words too. (The
  // blank line keeps a trailing backslash, which a shell reads as "the
  // line goes on", from joining the printf to the line.)
  const script = `set -- ${line}\n\nprintf '%s\\0' "$#" "$@"`;
  const run = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8" });
  if (run.status !== 0) return "error";
  const [count, ...words] = run.stdout.split("\0").slice(0, -1);
  expect(words).toHaveLength(Number(count));
  return words;
}

/** The error splitWords throws for `line`, or undefined. */
function errorOf(line: string): unknown {
  try {
    splitWords(line);
  } catch (err: unknown) {
    return err;
  }
  return undefined;
}

// Lines and their words, as a shell splits them (the test checks with sh).
const table: [line: string, words: string[]][] = [
  ["", []],
  ["   \t  ", []],
  ["get k", ["get", "k"]],
  ["  set   k  v  ", ["set", "k", "v"]],
  ["set\tk\tv", ["set", "k", "v"]],
  ["set k 'hello world'", ["set", "k", "hello world"]],
  ['set k "hello world"', ["set", "k", "hello world"]],
  ["set k a\\ b", ["set", "k", "a b"]],
  ["set k ''", ["set", "k", ""]],
  ['set k ""', ["set", "k", ""]],
  ["'' \"\" ''", ["", "", ""]],
  ["a'b c'd\"e f\"g", ["ab cde fg"]],
  ["it''s", ["its"]],
  ["'it'\\''s'", ["it's"]],
  ["'a\\b'", ["a\\b"]],
  ["'\"'", ['"']],
  ['"\'"', ["'"]],
  ['"say \\"hi\\""', ['say "hi"']],
  ['"a\\\\b"', ["a\\b"]],
  ['"\\$HOME"', ["$HOME"]],
  ['"\\`"', ["`"]],
  ['"a\\b\\n\\ \\\'"', ["a\\b\\n\\ \\'"]],
  ["\\'", ["'"]],
  ['\\"', ['"']],
  ["\\\\", ["\\"]],
  ["\\a\\b", ["ab"]],
  ["\\ ", [" "]],
  ["x\\\ty", ["x\ty"]],
  ["caf\u00e9 \u65e5\u672c", ["caf\u00e9", "\u65e5\u672c"]],
  ["'multi\nline'", ["multi\nline"]],
  ['"a\\\nb"', ["ab"]],
  ["a\\\nb", ["ab"]],
  ["zadd zset 1.5 'name with spaces'", ["zadd", "zset", "1.5", "name with spaces"]],
  ["-1 -- --x=y", ["-1", "--", "--x=y"]],
];

describe("splitWords", () => {
  // Shows: each line gives the words listed, and /bin/sh gives the same words.
  test.each(table)("%j", (line, words) => {
    expect(splitWords(line)).toEqual(words);
    expect(shWords(line)).toEqual(words);
  });

  // Shows: random lines of quotes, backslashes and blanks split as /bin/sh splits them.
  test("agrees with /bin/sh on random lines", () => {
    const piece = fc.constantFrom("a", "b", "\u00e9", " ", "\t", "'", '"', "\\", "-", "=", "0");
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const line = pieces.join("");
        const err = errorOf(line);
        const sh = shWords(line);
        if (err === undefined) {
          expect(splitWords(line)).toEqual(sh);
        } else if (sh !== "error") {
          // The one place we refuse what a shell takes: a trailing backslash,
          // which a shell reads as "the line goes on".
          expect(err).toMatchObject({ kind: "backslash", column: line.length });
        }
      }),
      { numRuns: 200 },
    );
  });

  // Shows: words quoted with single quotes come back exactly, whatever they contain.
  test("undoes single-quoting of any words", () => {
    const quote = (w: string) => `'${w.replaceAll("'", "'\\''")}'`;
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 6 }), (words) => {
        expect(splitWords(words.map(quote).join(" "))).toEqual(words);
      }),
    );
  });
});

describe("where splitWords differs from a shell, on purpose", () => {
  // Only quoting is copied: no expansions, comments or operators, and a
  // newline is one more blank.
  const literal: [line: string, words: string[]][] = [
    ["get $HOME", ["get", "$HOME"]],
    ["set k *", ["set", "k", "*"]],
    ["set ~ #1", ["set", "~", "#1"]],
    ["set a;b c|d", ["set", "a;b", "c|d"]],
    ['set k "$x `y`"', ["set", "k", "$x `y`"]],
    // A newline ends a command in a shell; here it separates words.
    ["a\nb", ["a", "b"]],
  ];

  // Shows: $, *, ~, #, ; and | are ordinary characters in a word; a newline separates words.
  test.each(literal)("%j", (line, words) => {
    expect(splitWords(line)).toEqual(words);
  });
});

describe("lines that cannot be split", () => {
  const unfinished: [line: string, kind: string, column: number, message: string][] = [
    [
      "set k 'abc",
      "single-quote",
      7,
      "the single quote at column 7 is never closed: add a ' to end the quoted text",
    ],
    [
      'set k "ab\\"',
      "double-quote",
      7,
      'the double quote at column 7 is never closed: add a " to end the quoted text',
    ],
    [
      "get k\\",
      "backslash",
      6,
      "the line ends with a backslash (column 6) that escapes nothing: remove it, or write \\\\ for a backslash",
    ],
    [
      "'",
      "single-quote",
      1,
      "the single quote at column 1 is never closed: add a ' to end the quoted text",
    ],
  ];

  // Shows: an unclosed quote or a trailing backslash is a typed error with its column.
  test.each(unfinished)("%j", (line, kind, column, message) => {
    const err = errorOf(line);
    expect(err).toBeInstanceOf(UnfinishedLineError);
    expect(err).toMatchObject({ kind, column, message });
  });

  // Shows: a shell refuses the same unclosed quotes.
  test.each(unfinished.filter(([, kind]) => kind !== "backslash"))("sh refuses %j too", (line) => {
    expect(shWords(line)).toBe("error");
  });
});
