// `pnpm --filter phase8-zset tree-bench`: what the AVL tree costs per
// operation at 10^3 .. 10^6 nodes, next to a sorted array doing the same
// work with binary search and splice. Not a test: it prints a table and
// asserts nothing.
//
// The workload at each size n: a tree and a sorted array of n random keys;
// then, repeatedly, delete a random key and insert a new one (so the size
// stays n), and walk a random offset from a random element. Each cost is
// averaged over many operations, in 5 rounds; the median round is shown.
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { main, type Program, parseFlags, UsageError } from "@rah/core";
import { avlDel, avlInit, avlInsert, avlOffset, avlRank } from "../avl.ts";
import { type NumNode, numLess, numNode, numSeekGe } from "../num-tree.ts";

const program: Program = {
  usage: "pnpm --filter phase8-zset tree-bench [flags]",
  role: "tool",
  summary:
    "Measures insert, delete, offset and rank costs of the AVL tree at 10^3 to 10^6 nodes, and insert, delete and offset on a sorted array (binary search + splice) for comparison. Prints a table; asserts nothing.",
  flags: {
    sizes: {
      type: "string",
      value: "<list>",
      description: "comma-separated tree sizes (default 1000,10000,100000,1000000)",
    },
    ms: {
      type: "string",
      value: "<ms>",
      description: "time spent measuring each cost at each size (default 300)",
    },
  },
  examples: [
    "pnpm --filter phase8-zset tree-bench",
    "pnpm --filter phase8-zset tree-bench --ms 1000",
  ],
};

/** Each cost is measured in this many rounds; the median round is reported. */
const ROUNDS = 5;

main(
  async (argv) => {
    const { values } = parseFlags(argv, program);
    const sizes = (typeof values.sizes === "string" ? values.sizes : "1000,10000,100000,1000000")
      .split(",")
      .map((s) => Number(s.trim()));
    if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 10_000_000)) {
      throw new UsageError(
        `--sizes must be whole numbers from 1 to 10000000, got "${values.sizes}"`,
      );
    }
    const budget = typeof values.ms === "string" ? Number(values.ms) : 300;
    if (!Number.isSafeInteger(budget) || budget < 10 || budget > 60_000) {
      throw new UsageError(`--ms must be a whole number from 10 to 60000, got "${values.ms}"`);
    }

    const load = loadavg().map((l) => l.toFixed(2));
    console.log(`node ${process.version}, ${process.arch}, ${cpus().length} CPUs, load ${load}\n`);
    console.log("Average cost per operation, in microseconds (us), n keys in the structure.\n");
    console.log(
      "| n | tree height | log2 n | tree insert | array insert | tree delete | array delete | tree offset | array offset | tree rank |",
    );
    console.log("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const n of sizes) {
      const row = measureSize(n, budget);
      const us = (x: number) => (x < 0.1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));
      console.log(
        `| ${n.toLocaleString("en")} | ${row.height} | ${Math.log2(n).toFixed(1)} | ${us(row.treeInsert)} | ${us(row.arrayInsert)} | ${us(row.treeDelete)} | ${us(row.arrayDelete)} | ${us(row.treeOffset)} | ${us(row.arrayOffset)} | ${us(row.treeRank)} |`,
      );
    }
    console.log(
      "\ninsert and delete include finding the place (tree: a walk from the root; array: binary",
    );
    console.log(
      "search). The array holds plain numbers, the tree one object per key. offset: from a random",
    );
    console.log(
      "element to another random one (up to n places away); the array does it by index arithmetic.",
    );
    return 0;
  },
  { onSignal: "exit" },
);

interface Row {
  height: number;
  treeInsert: number;
  arrayInsert: number;
  treeDelete: number;
  arrayDelete: number;
  treeOffset: number;
  arrayOffset: number;
  treeRank: number;
}

/** Builds both structures with n keys and measures each operation for about `budget` ms. */
function measureSize(n: number, budget: number): Row {
  // Keys are random doubles in [0, 1): distinct for all practical purposes.
  const nodes: NumNode[] = [];
  let root: NumNode | null = null;
  for (let i = 0; i < n; i++) {
    const node = numNode(Math.random());
    root = avlInsert(root, node, numLess);
    nodes.push(node);
  }
  const keys = nodes.map((node) => node.key).sort((a, b) => a - b);
  const randomNode = () => nodes[Math.floor(Math.random() * n)] as NumNode;

  // Each operation below keeps the size at n: a timed delete is followed
  // by an untimed insert, and the other way round. Deleted tree nodes are
  // reused for the next insert, so the loops make no garbage and no GC
  // pause lands in a measurement.
  const treeDelete = medianCost(budget, () => {
    const node = randomNode();
    const key = node.key;
    const t = performance.now();
    const found = numSeekGe(root, key);
    if (found !== node) throw new Error(`key ${key} is missing from the tree`);
    root = avlDel(found);
    const ms = performance.now() - t;
    avlInit(node);
    node.key = Math.random();
    root = avlInsert(root, node, numLess);
    return ms;
  });
  const treeInsert = medianCost(budget, () => {
    const node = randomNode();
    root = avlDel(node);
    avlInit(node);
    node.key = Math.random();
    const t = performance.now();
    root = avlInsert(root, node, numLess);
    return performance.now() - t;
  });
  const arrayDelete = medianCost(budget, () => {
    const key = keys[Math.floor(Math.random() * n)] ?? 0;
    const t = performance.now();
    keys.splice(lowerBound(keys, key), 1);
    const ms = performance.now() - t;
    const add = Math.random();
    keys.splice(lowerBound(keys, add), 0, add);
    return ms;
  });
  const arrayInsert = medianCost(budget, () => {
    keys.splice(Math.floor(Math.random() * n), 1);
    const add = Math.random();
    const t = performance.now();
    keys.splice(lowerBound(keys, add), 0, add);
    return performance.now() - t;
  });

  // Offsets and ranks: 1000 random start nodes, each with a distance that
  // lands inside the tree; timed in batches of 1000, since each is fast.
  const starts = Array.from({ length: 1000 }, randomNode);
  const ranks = starts.map((node) => avlRank(node));
  const distances = ranks.map((rank) => Math.floor(Math.random() * n) - rank);
  let sink = 0;
  const batch = (op: (i: number) => number) => () => {
    const t = performance.now();
    for (let i = 0; i < 1000; i++) sink += op(i);
    return performance.now() - t;
  };
  const treeOffset = medianCost(
    budget,
    batch((i) => avlOffset(starts[i] as NumNode, distances[i] ?? 0)?.key ?? 0),
    1000,
  );
  const arrayOffset = medianCost(
    budget,
    batch((i) => keys[(ranks[i] ?? 0) + (distances[i] ?? 0)] ?? 0),
    1000,
  );
  const treeRank = medianCost(
    budget,
    batch((i) => avlRank(starts[i] as NumNode)),
    1000,
  );
  if (sink === -1) console.log("unreachable: keeps the results alive");

  return {
    height: root?.height ?? 0,
    treeInsert,
    treeDelete,
    arrayInsert,
    arrayDelete,
    treeOffset,
    arrayOffset,
    treeRank,
  };
}

/**
 * Runs `op` (which does `perCall` operations and returns the milliseconds
 * it timed) over and over for `budget` ms in all, in ROUNDS rounds;
 * returns the median round's average per operation, in microseconds. A
 * round slowed down by another process is left out.
 */
function medianCost(budget: number, op: () => number, perCall = 1): number {
  const averages: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let ms = 0;
    let calls = 0;
    while (ms < budget / ROUNDS) {
      ms += op();
      calls++;
    }
    averages.push((ms * 1000) / (calls * perCall));
  }
  averages.sort((a, b) => a - b);
  return averages[ROUNDS >> 1] ?? Number.NaN;
}

/** The first index whose key is >= `key` (binary search). */
function lowerBound(array: number[], key: number): number {
  let lo = 0;
  let hi = array.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((array[mid] ?? 0) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
