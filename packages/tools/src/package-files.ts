// The files of one phase package that the tools look at: everything git
// would track there (committed or new, but not ignored: no node_modules, no
// test reports), minus the package's README.md, which holds the notes.
import { lstatSync } from "node:fs";
import path from "node:path";
import { git, nulFields } from "./git.ts";

/** Paths relative to packages/<phase>/, sorted, of the files that exist on disk. */
export function phaseFiles(root: string, phase: string): string[] {
  const prefix = `packages/${phase}/`;
  const listed = git(root, [
    "ls-files",
    "-z",
    "--cached",
    "--others",
    "--exclude-standard",
    "--",
    prefix,
  ]);
  const files = new Set<string>();
  for (const full of nulFields(listed.stdout)) {
    if (!full.startsWith(prefix)) continue;
    const file = full.slice(prefix.length);
    if (file === "README.md" || file.split("/").includes("node_modules")) continue;
    // A file deleted but not yet committed is still in git's index: skip it.
    if (isFile(path.join(root, full))) files.add(file);
  }
  return [...files].sort();
}

function isFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}
