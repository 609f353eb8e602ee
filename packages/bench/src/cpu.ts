// CPU time, the bench's headline figure, and the rule that says when a
// result measured the load generator rather than the server.
//
// A server's CPU time comes from /proc/<pid>/stat: utime + stime, the user
// and system time of all its threads, in clock ticks (usually 100 a
// second). Sampled at the start and the end of the measured window, the
// difference divided by the requests answered in that window is the
// server's CPU time per request. Unlike requests/s it does not depend on how
// fast the load generator is: a server at 40% of its core because the load
// generator cannot send faster still costs what it costs per request.

/** User and system CPU time of a process, in clock ticks. */
export interface CpuTicks {
  user: number;
  system: number;
}

/**
 * utime and stime from the text of /proc/<pid>/stat, or null if the text is
 * not such a line. The command name (field 2) is in parentheses and may
 * itself contain spaces and parentheses, so fields are counted from the last
 * ")"; utime and stime are fields 14 and 15 of the line.
 */
export function parseProcStat(text: string): CpuTicks | null {
  const close = text.lastIndexOf(")");
  if (close === -1) return null;
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (the state), so field n is fields[n - 3].
  const user = Number(fields[14 - 3]);
  const system = Number(fields[15 - 3]);
  if (!Number.isSafeInteger(user) || !Number.isSafeInteger(system) || user < 0 || system < 0) {
    return null;
  }
  return { user, system };
}

/** Two samples of a process's CPU ticks around a measured window, and what happened in it. */
export interface CpuWindow {
  start: CpuTicks;
  end: CpuTicks;
  /** Clock ticks per second (getconf CLK_TCK). */
  ticksPerSecond: number;
  /** Wall-clock length of the window. */
  elapsedMs: number;
  /** Requests answered in the window. */
  requests: number;
}

/** The CPU time spent in the window, in microseconds (user + system). */
export function cpuMicros(w: Pick<CpuWindow, "start" | "end" | "ticksPerSecond">): number {
  const ticks = w.end.user + w.end.system - (w.start.user + w.start.system);
  return (Math.max(0, ticks) * 1_000_000) / w.ticksPerSecond;
}

/** CPU time per request answered, in µs; null when nothing was answered. */
export function cpuPerRequest(w: CpuWindow): number | null {
  return w.requests > 0 ? cpuMicros(w) / w.requests : null;
}

/** Busy share of one core over the window, in % (100 = one core flat out). */
export function cpuPercent(w: Pick<CpuWindow, "start" | "end" | "ticksPerSecond" | "elapsedMs">) {
  return w.elapsedMs > 0 ? cpuMicros(w) / w.elapsedMs / 10 : null;
}

/** At or above this share of its core, the load generator is the limit. */
export const LOADGEN_BOUND_PERCENT = 90;

/**
 * A result is load-generator bound when the load generator used at least
 * 90% of its core while the server had CPU to spare (below 90% of its
 * own): the server could have answered more, had they been sent. Its
 * requests/s and latencies describe the load generator, so no ratio or
 * verdict is drawn from them; its CPU per request is still the server's.
 * Unknown CPU figures (no /proc) never mark a result.
 */
export function isLoadgenBound(loadgenPercent: number | null, serverPercent: number | null) {
  if (loadgenPercent === null || serverPercent === null) return false;
  return loadgenPercent >= LOADGEN_BOUND_PERCENT && serverPercent < LOADGEN_BOUND_PERCENT;
}
