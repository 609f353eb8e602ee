// Running git, the one outside program the tools need: `git diff --no-index`
// for the diffs, `git merge-file` and `git show` for pnpm forward. Failures
// become one-sentence errors.
import { spawnSync } from "node:child_process";
import { devNull } from "node:os";
import { errorCode, UserError } from "@rah/core";

/** git is missing, or a git command failed in a way the user has to look at. */
export class GitError extends UserError {
  override name = "GitError";
}

export interface GitResult {
  status: number;
  /** Raw bytes: file contents pass through untouched. */
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  /** Exit codes that are not failures (default: only 0). */
  ok?: (status: number) => boolean;
  /** Ignore the user's and the system's git config (for output that must not vary by machine). */
  isolated?: boolean;
}

/** Runs `git args...` in `cwd` and returns its output; throws GitError for a failure. */
export function git(cwd: string, args: readonly string[], options: GitOptions = {}): GitResult {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.isolated) {
    env.GIT_CONFIG_NOSYSTEM = "1";
    env.GIT_CONFIG_GLOBAL = devNull;
  }
  const run = spawnSync("git", args, { cwd, env, maxBuffer: 512 * 1024 * 1024 });
  if (run.error) {
    if (errorCode(run.error) === "ENOENT") {
      throw new GitError(
        "git is not installed (or not on PATH): pnpm diffs and pnpm forward need it",
        {
          cause: run.error,
        },
      );
    }
    throw new GitError(`could not run git ${args[0]}: ${run.error.message}`, { cause: run.error });
  }
  const status = run.status ?? 128;
  const stderr = run.stderr.toString("utf8");
  const ok = options.ok ?? ((code: number) => code === 0);
  if (!ok(status)) {
    const detail = stderr.trim().split("\n")[0] || `exit code ${status}`;
    throw new GitError(`git ${args[0]} failed in ${cwd}: ${detail}`);
  }
  return { status, stdout: run.stdout, stderr };
}

/** Splits git's -z output (NUL-terminated fields) into its fields. */
export function nulFields(output: Buffer): string[] {
  const fields = output.toString("utf8").split("\0");
  if (fields.at(-1) === "") fields.pop();
  return fields;
}
