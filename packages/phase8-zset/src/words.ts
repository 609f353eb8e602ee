// Splitting a typed line into arguments, the way a POSIX shell does.
//
// The book's client takes its command from argv: `./client set k "a b"`.
// The shell has already split that line into words, so the C code never
// sees a quote. Our client also reads commands line by line (typed in a
// terminal, or piped in), and then nobody has split them: this file does,
// with the shell's quoting rules, so a line means the same thing typed at
// our prompt as after `./client` in a shell:
//
//   set k "hello world"     ->  set | k | hello world
//   set k 'it''s'           ->  set | k | its
//   set k "say \"hi\""      ->  set | k | say "hi"
//   set k a\ b              ->  set | k | a b
//   set k ""                ->  set | k | (an empty value)
//
// Only quoting is copied from the shell. There are no variables ($HOME is
// the five characters "$HOME"), no globs (* is a star), no `~`, no comments
// (# is an ordinary character) and no operators (; | & < > are ordinary
// characters): a key may contain any of them without quotes. A shell would
// expand or act on all of these.

/** Why a line could not be split: it ends inside a quote or right after a backslash. */
export type UnfinishedKind = "single-quote" | "double-quote" | "backslash";

/** A line that ends before a quote is closed, or with a backslash that escapes nothing. */
export class UnfinishedLineError extends Error {
  override name = "UnfinishedLineError";
  readonly kind: UnfinishedKind;
  /** 1-based column of the opening quote, or of the trailing backslash. */
  readonly column: number;
  constructor(kind: UnfinishedKind, column: number) {
    super(
      kind === "backslash"
        ? `the line ends with a backslash (column ${column}) that escapes nothing: remove it, or write \\\\ for a backslash`
        : kind === "single-quote"
          ? `the single quote at column ${column} is never closed: add a ' to end the quoted text`
          : `the double quote at column ${column} is never closed: add a " to end the quoted text`,
    );
    this.kind = kind;
    this.column = column;
  }
}

/** Characters that separate words (the shell's blanks, and a newline). */
function isSeparator(c: string): boolean {
  return c === " " || c === "\t" || c === "\n";
}

/** Inside double quotes, a backslash escapes only these; before anything else it is kept. */
const ESCAPED_IN_DOUBLE_QUOTES = '$`"\\\n';

/**
 * The arguments in `line`, split and unquoted as `sh` would (see the top of
 * this file for the rules and what is left out).
 *
 * The words are JavaScript strings of what the user typed; the client turns
 * each into its UTF-8 bytes for the request. Throws UnfinishedLineError when
 * a quote is never closed or the line ends with a lone backslash.
 */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  // The word being built, and whether one has started: `''` starts a word
  // that stays empty, which is how a user sends an empty argument.
  let word = "";
  let started = false;
  let i = 0;
  while (i < line.length) {
    const c = line.charAt(i);
    if (isSeparator(c)) {
      // The end of a word, if one was started. Runs of blanks make no
      // empty words: only quotes do.
      if (started) words.push(word);
      word = "";
      started = false;
      i++;
    } else if (c === "'") {
      // Single quotes: everything up to the next ' is taken as it is,
      // backslashes included. There is no way to escape a ' inside.
      const close = line.indexOf("'", i + 1);
      if (close === -1) throw new UnfinishedLineError("single-quote", i + 1);
      word += line.slice(i + 1, close);
      started = true;
      i = close + 1;
    } else if (c === '"') {
      // Double quotes: taken as they are, except that a backslash escapes
      // the five characters listed above (a backslash and a newline
      // vanish together, a line continuation).
      const open = i;
      i++;
      for (;;) {
        if (i >= line.length) throw new UnfinishedLineError("double-quote", open + 1);
        const q = line.charAt(i);
        if (q === '"') break;
        const next = line.charAt(i + 1);
        if (q === "\\" && next !== "" && ESCAPED_IN_DOUBLE_QUOTES.includes(next)) {
          if (next !== "\n") word += next;
          i += 2;
        } else {
          word += q;
          i++;
        }
      }
      started = true;
      i++; // past the closing quote
    } else if (c === "\\") {
      // Outside quotes a backslash takes the next character literally,
      // whatever it is: `a\ b` is one word, `\'` is a quote character.
      // A shell would read a trailing backslash as "the line goes on";
      // a one-line prompt has no next line, so it is an error here.
      if (i + 1 >= line.length) throw new UnfinishedLineError("backslash", i + 1);
      const next = line.charAt(i + 1);
      // Backslash-newline is a line continuation: both vanish.
      if (next !== "\n") {
        word += next;
        started = true;
      }
      i += 2;
    } else {
      // Any other character is part of the word, quotes or not around it:
      // `a"b c"d` is the single word `ab cd`.
      word += c;
      started = true;
      i++;
    }
  }
  if (started) words.push(word);
  return words;
}
