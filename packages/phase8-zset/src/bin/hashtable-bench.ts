// `pnpm --filter phase8-zset hashtable-bench`: what chapter 8 buys, in
// numbers. Not a test: it prints measurements and asserts nothing.
//
// 1. What allocating one slot array costs in JavaScript (C's calloc hides
//    this cost), one piece versus a spine of lazily allocated pages.
// 2. The worst single insert while inserting 1, 4, 8 and 10 million keys into a
//    bare Map, into our table, and into our table with one-piece slot
//    arrays (the book's layout); and the memory per key of each.
//
// Each insert run happens in a fresh child process (node --expose-gc), so
// one run's garbage does not land in another's pauses.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { main, type Program, parseFlags, UsageError } from "@rah/core";
import { type HNode, hmInsert, hmNew, hmSize, PAGE_SLOTS, strHash } from "../hashtable.ts";

const KINDS = ["map", "table", "table-flat"] as const;
type Kind = (typeof KINDS)[number];

const program: Program = {
  usage: "pnpm --filter phase8-zset hashtable-bench [flags]",
  role: "tool",
  summary:
    "Measures slot-array allocation, then the worst single insert and the memory per key while inserting N keys into a Map, the chapter 8 table, and the table with one-piece slot arrays. Prints tables; asserts nothing.",
  flags: {
    sizes: {
      type: "string",
      value: "<list>",
      description: "comma-separated key counts (default 1000000,4000000,8000000,10000000)",
    },
    one: {
      type: "string",
      value: "<kind>:<n>",
      description: `internal: run one measurement (${KINDS.join(", ")}) and print it as JSON`,
    },
  },
  examples: [
    "pnpm --filter phase8-zset hashtable-bench",
    "pnpm --filter phase8-zset hashtable-bench --sizes 100000,1000000",
  ],
};

/** A store entry as phase 5 has it: the entry is the hashtable node. */
interface Entry extends HNode {
  key: string;
  value: string;
}

interface Result {
  kind: Kind;
  n: number;
  totalMs: number;
  /** The three slowest inserts: [ms, which key (1-based)], slowest first. */
  worst: [number, number][];
  /** The insert that started the last resize: [ms, which key]. */
  lastResize: [number, number];
  over1ms: number;
  over10ms: number;
  longestGcMs: number;
  bytesPerKey: number;
}

main(
  async (argv) => {
    const { values } = parseFlags(argv, program);
    if (typeof values.one === "string") {
      const [kind, n] = values.one.split(":");
      if (!KINDS.includes(kind as Kind) || !/^\d+$/.test(n ?? "")) {
        throw new UsageError(`--one must look like table:1000000, got "${values.one}"`);
      }
      const result = await measureInserts(kind as Kind, Number(n));
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return 0;
    }
    const sizes = (
      typeof values.sizes === "string" ? values.sizes : "1000000,4000000,8000000,10000000"
    )
      .split(",")
      .map((s) => Number(s.trim()));
    if (sizes.some((n) => !Number.isSafeInteger(n) || n < 1 || n > 15_000_000)) {
      throw new UsageError(
        `--sizes must be whole numbers from 1 to 15000000, got "${values.sizes}"`,
      );
    }

    // Worst-case latencies need a quiet machine: other processes steal the CPU
    // for milliseconds at a time. The load average says how quiet it was.
    const load = loadavg().map((l) => l.toFixed(2));
    console.log(`node ${process.version}, ${process.arch}, ${cpus().length} CPUs, load ${load}\n`);
    console.log("1. Allocating one slot array of n empty slots (median of 7, ms)\n");
    console.log("| slots | new Array(n).fill(null) | spine + first page |");
    console.log("|---:|---:|---:|");
    for (const bits of [16, 20, 21, 22]) {
      const n = 2 ** bits;
      const flat = medianMs(() => new Array(n).fill(null));
      const paged = medianMs(() => {
        const spine = new Array(Math.ceil(n / PAGE_SLOTS)).fill(null);
        spine[0] = new Array(Math.min(n, PAGE_SLOTS)).fill(null);
        return spine;
      });
      console.log(`| 2^${bits} | ${flat.toFixed(2)} | ${paged.toFixed(3)} |`);
    }

    console.log("\n2. Inserting n new keys, one at a time (each run in a fresh process)\n");
    console.log(
      "| n | structure | total s | slowest inserts: ms (at key #) | insert that started the last resize | inserts > 1 ms | > 10 ms | longest GC pause ms | bytes/key |",
    );
    console.log("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    const self = fileURLToPath(import.meta.url);
    // tsx, found from this file (so the script works from any directory).
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    for (const n of sizes) {
      for (const kind of KINDS) {
        const out = execFileSync(
          process.execPath,
          [
            "--expose-gc",
            "--max-old-space-size=8192",
            "--import",
            tsx,
            self,
            "--one",
            `${kind}:${n}`,
          ],
          { encoding: "utf8", maxBuffer: 1 << 20 },
        );
        const r = JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as Result;
        console.log(
          `| ${n.toLocaleString("en")} | ${kind} | ${(r.totalMs / 1000).toFixed(2)} | ${r.worst.map(([ms, at]) => `${ms.toFixed(1)} (#${at.toLocaleString("en")})`).join(", ")} | ${r.lastResize[0].toFixed(1)} (#${r.lastResize[1].toLocaleString("en")}) | ${r.over1ms} | ${r.over10ms} | ${r.longestGcMs.toFixed(1)} | ${r.bytesPerKey.toFixed(1)} |`,
        );
      }
    }
    console.log(
      "\nbytes/key: heap growth after a forced GC, divided by n; the key strings were made before",
    );
    console.log("and are not counted, every value is one shared string. GC: V8's own pause times.");
    return 0;
  },
  { onSignal: "exit" },
);

/** The median time of `run` over 7 calls, in ms, with a forced GC (if exposed) before each. */
function medianMs(run: () => unknown): number {
  const times: number[] = [];
  let keep: unknown;
  for (let i = 0; i < 7; i++) {
    globalThis.gc?.();
    const start = performance.now();
    keep = run();
    times.push(performance.now() - start);
  }
  if (keep === undefined) throw new Error("nothing allocated");
  times.sort((a, b) => a - b);
  return times[3] ?? Number.NaN;
}

/** One run: insert `n` keys into one structure, timing every insert. */
async function measureInserts(kind: Kind, n: number): Promise<Result> {
  const gc = globalThis.gc;
  if (!gc) throw new UsageError("run with node --expose-gc (the package script does)");
  // The keys exist before the clock starts: making them is not the structure's cost.
  const keys: string[] = [];
  for (let i = 0; i < n; i++) keys.push(`key:${i}`);
  const value = "value";
  // V8 reports each GC pause to performance observers; only the pauses
  // during the insert loop count (not the forced GCs around it).
  const pauses: { startTime: number; duration: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      pauses.push({ startTime: e.startTime, duration: e.duration });
  });
  observer.observe({ entryTypes: ["gc"] });

  const map = new Map<string, string>();
  // table-flat: pages as big as the largest table, so every slot array is one piece.
  const table = hmNew<Entry>(kind === "table-flat" ? 2 ** 30 : PAGE_SLOTS);
  gc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const worst: [number, number][] = [];
  let lastResize: [number, number] = [0, 0];
  let over1ms = 0;
  let over10ms = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const key = keys[i] ?? "";
    const migrating = table.older.pages !== null;
    const t0 = performance.now();
    if (kind === "map") map.set(key, value);
    else hmInsert(table, { next: null, hcode: strHash(key), key, value });
    const ms = performance.now() - t0;
    // A resize: our table starts one when `older` appears. V8's Map (an
    // OrderedHashMap) doubles its capacity, 4, 8, 16, ..., when an insert
    // finds it full: at insert number 2^k + 1.
    const resized =
      kind === "map" ? i >= 4 && (i & (i - 1)) === 0 : !migrating && table.older.pages !== null;
    if (resized) lastResize = [ms, i + 1];
    if (worst.length < 3 || ms > (worst[2]?.[0] ?? 0)) {
      worst.push([ms, i + 1]);
      worst.sort((a, b) => b[0] - a[0]);
      worst.length = Math.min(worst.length, 3);
    }
    if (ms > 1) over1ms++;
    if (ms > 10) over10ms++;
  }
  const end = performance.now();
  const totalMs = end - start;
  gc();
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  // Let the observer deliver the GC entries queued during the loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const longestGcMs = Math.max(
    0,
    ...pauses.filter((p) => p.startTime >= start && p.startTime <= end).map((p) => p.duration),
  );
  const size = kind === "map" ? map.size : hmSize(table);
  if (size !== n) throw new Error(`${kind} holds ${size} keys, expected ${n}`);
  const bytesPerKey = (heapAfter - heapBefore) / n;
  // Keep everything alive until after the measurement (V8 frees what is no longer used).
  if (keys.length !== n || (map.size === 0 && hmSize(table) === 0)) throw new Error("lost keys");
  return { kind, n, totalMs, worst, lastResize, over1ms, over10ms, longestGcMs, bytesPerKey };
}
