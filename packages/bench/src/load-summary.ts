// What `pnpm load` prints when it is done (or stopped): one screen that
// says what was sent, what came back, how fast and how late, and what went
// wrong, with the first errors described.
import { formatCount, formatLatency, formatMicros } from "./format.ts";
import type { LoadErrors, LoadResult } from "./loadgen.ts";

export interface LoadPlan {
  host: string;
  port: number;
  protocol: string;
  clients: number;
  /** Requests per connection; null for a timed run. */
  requests: number | null;
  seconds: number | null;
  pipeline: number;
  size: number;
  /** Open loop: requests/s in all; null for a closed loop. */
  rate: number | null;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "3 wrong replies, 1 connection closed early": the non-zero kinds, or "0 errors". */
export function describeErrors(errors: LoadErrors): string {
  const parts = [
    errors.wrongReply > 0 ? plural(errors.wrongReply, "wrong reply", "wrong replies") : "",
    errors.missingReply > 0 ? plural(errors.missingReply, "missing reply", "missing replies") : "",
    errors.closedEarly > 0
      ? `${plural(errors.closedEarly, "connection")} closed early by the server`
      : "",
    errors.connectFailed > 0 ? `${plural(errors.connectFailed, "failed connect")}` : "",
  ].filter((p) => p !== "");
  return parts.length > 0 ? parts.join(", ") : "0 errors";
}

export function formatLoadSummary(plan: LoadPlan, result: LoadResult, interrupted: boolean) {
  const shape =
    plan.rate !== null
      ? `${formatCount(plan.rate)} requests/s over ${plural(plan.clients, "connection")} (open loop)`
      : `${plural(plan.clients, "connection")}, ${formatCount(plan.pipeline)} in flight each`;
  const amount =
    plan.requests !== null
      ? `${formatCount(plan.requests)} requests each`
      : `${plan.seconds ?? "?"} s`;
  const seconds = result.elapsedMs / 1000;
  const lines = [
    `load: ${shape}, ${amount}, ${plan.protocol.startsWith("kv") ? `${plan.protocol} get/set mix, ${Math.max(23, plan.size)}-byte values,` : `${plan.size}-byte ${plan.protocol} requests`} to ${plan.host}:${plan.port}`,
    `  requests   ${formatCount(result.sent)} sent, ${formatCount(result.good)} good replies, ${describeErrors(result.errors)}`,
    `  rate       ${formatCount(seconds > 0 ? result.good / seconds : 0)} replies/s over ${seconds.toFixed(2)} s`,
  ];
  const l = result.latency;
  if (l.count > 0) {
    const from = plan.rate !== null ? " (from the time each request was due)" : "";
    lines.push(
      `  latency    p50 ${formatLatency(l.p50)}, p99 ${formatLatency(l.p99)}, p99.9 ${formatLatency(l.p999)}, max ${formatLatency(l.max)}${from}`,
    );
  }
  if (result.sendLag && result.sendLag.count > 0) {
    lines.push(
      `  send lag   p99 ${formatLatency(result.sendLag.p99)}, max ${formatLatency(result.sendLag.max)} (how late the load generator sent, against the schedule)`,
    );
  }
  const perRequest = result.good > 0 ? result.clientCpuMicros / result.good : null;
  lines.push(
    `  load generator CPU  ${Math.round(result.clientCpuPercent)}% of one core, ${formatMicros(perRequest)} per reply`,
  );
  if (result.starved > 0) {
    lines.push(
      `  ${plural(result.starved, "connection")} got no reply at all (a server that serves one client at a time keeps the others waiting)`,
    );
  }
  if (interrupted) {
    const due =
      result.dueAtStop > 0
        ? `; ${plural(result.dueAtStop, "reply", "replies")} still due were not waited for`
        : "";
    lines.push(
      `  stopped by Ctrl-C after ${seconds.toFixed(2)} s: requests not sent are not counted${due}`,
    );
  }
  if (result.closedBeforeReply > 0) {
    lines.push(
      `  ${plural(result.closedBeforeReply, "connection was", "connections were")} closed by the server before any reply: the server may be at its connection limit (phase 3: --max-connections)`,
    );
  }
  for (const sample of result.errorSamples) lines.push(`  error: ${sample}`);
  return `${lines.join("\n")}\n`;
}
