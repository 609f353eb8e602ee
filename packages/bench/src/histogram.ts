// A latency histogram in microseconds, the HdrHistogram way: exact counts
// below 128 µs, then 64 buckets per power of two above, so every recorded
// value is known to within 1/64 (about 1.6%) with a few kilobytes of memory,
// however many millions of requests are recorded.

const SUB_BUCKETS = 64;
const EXACT_BELOW = 2 * SUB_BUCKETS; // 0..127 µs get a bucket each
const MAX_EXPONENT = 40; // 2^46 µs is about two years

export interface LatencySummary {
  count: number;
  /** Microseconds. */
  p50: number;
  p99: number;
  /** The 99.9th percentile: one request in a thousand is slower. */
  p999: number;
  max: number;
  mean: number;
}

function bucketOf(us: number): number {
  if (us < EXACT_BELOW) return us;
  // The position of the top bit, minus the 7 bits the exact range covers:
  // 128..255 -> shift 1, 256..511 -> shift 2, ...
  const shift = Math.min(31 - Math.clz32(us) - 6, MAX_EXPONENT);
  return EXACT_BELOW + (shift - 1) * SUB_BUCKETS + ((us >>> shift) - SUB_BUCKETS);
}

/** The highest value that lands in `bucket`: what a percentile reports. */
function bucketTop(bucket: number): number {
  if (bucket < EXACT_BELOW) return bucket;
  const shift = Math.floor((bucket - EXACT_BELOW) / SUB_BUCKETS) + 1;
  const sub = ((bucket - EXACT_BELOW) % SUB_BUCKETS) + SUB_BUCKETS;
  return (sub + 1) * 2 ** shift - 1;
}

export class Histogram {
  #counts = new Float64Array(EXACT_BELOW + MAX_EXPONENT * SUB_BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency, in microseconds (fractions are dropped). */
  record(us: number): void {
    const v = us <= 0 ? 0 : Math.min(Math.floor(us), 0x7fffffff);
    const bucket = bucketOf(v);
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }

  /** The value below which `p` percent of the recorded values fall (0 when empty). */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (let bucket = 0; bucket < this.#counts.length; bucket++) {
      seen += this.#counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(bucketTop(bucket), this.#max);
    }
    return this.#max;
  }

  summary(): LatencySummary {
    return {
      count: this.#count,
      p50: this.percentile(50),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: this.#max,
      mean: this.#count === 0 ? 0 : this.#sum / this.#count,
    };
  }
}
