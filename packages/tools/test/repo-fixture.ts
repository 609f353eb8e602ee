// Throwaway git repositories for the tests: packages/phaseN-x folders with a
// few files, committed, under os.tmpdir(). Every one is deleted after the test file.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { devNull, tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

export interface TestRepo {
  root: string;
  /** Writes root/<file> (folders made as needed). */
  write(file: string, text: string): void;
  read(file: string): string;
  remove(file: string): void;
  /** Runs git in the repo (identity and settings fixed); returns stdout, throws on failure. */
  git(...args: string[]): string;
  /** `git add -A && git commit`. */
  commit(message?: string): void;
  /** Everything git sees as changed or new: "" when the tree is as committed. */
  status(): string;
}

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder outside any repository (git apply acts differently inside one). */
export function tempDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `rah-tools-${label}-`));
  made.push(dir);
  return dir;
}

/** A new repository holding `files` (paths from the root), committed once. */
export function makeRepo(files: Record<string, string>): TestRepo {
  const root = tempDir("repo");
  const repo: TestRepo = {
    root,
    write(file, text) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    },
    read: (file) => readFileSync(path.join(root, file), "utf8"),
    remove: (file) => rmSync(path.join(root, file)),
    git(...args) {
      const run = spawnSync("git", args, {
        cwd: root,
        encoding: "utf8",
        env: {
          ...process.env,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: devNull,
          GIT_AUTHOR_NAME: "Test",
          GIT_AUTHOR_EMAIL: "test@example.com",
          GIT_COMMITTER_NAME: "Test",
          GIT_COMMITTER_EMAIL: "test@example.com",
        },
      });
      if (run.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${run.stderr}`);
      return run.stdout;
    },
    commit(message = "commit") {
      repo.git("add", "-A");
      repo.git("commit", "-q", "-m", message);
    },
    status: () => repo.git("status", "--porcelain", "--untracked-files=all"),
  };
  repo.git("init", "-q");
  for (const [file, text] of Object.entries(files)) repo.write(file, text);
  repo.commit("start");
  return repo;
}

/** Numbered lines "<prefix> 1" ... "<prefix> n", each ending in a newline. */
export function lines(prefix: string, n: number): string {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join("");
}
