/** The markdown table of a run: ours, Nchan and the ratio ours/nchan per metric. */
import type { DeliveryResult, IdleResult, RunResult, ScenarioResult } from "./results.ts";

interface Metric {
  name: string;
  value: (r: ScenarioResult) => number | string;
  digits?: number;
  /** Ratio ours/nchan is meaningful. */
  ratio?: boolean;
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(part === whole ? 0 : 3)} %` : "n/a");
const d = (r: ScenarioResult) => r as DeliveryResult;
const i = (r: ScenarioResult) => r as IdleResult;

const fanoutMetrics: Metric[] = [
  { name: "latency p50 (ms)", value: (r) => d(r).latencyMs.p50, digits: 2, ratio: true },
  { name: "latency p99 (ms)", value: (r) => d(r).latencyMs.p99, digits: 2, ratio: true },
  { name: "latency max (ms)", value: (r) => d(r).latencyMs.max, digits: 2, ratio: true },
  { name: "delivered / expected", value: (r) => `${d(r).delivered}/${d(r).expected} (${pct(d(r).delivered, d(r).expected)})` },
  { name: "server CPU per notification (µs)", value: (r) => d(r).serverMicrosPerNotification, digits: 1, ratio: true },
  { name: "server CPU (% of a core)", value: (r) => 100 * d(r).cpu.serverCore, digits: 1, ratio: true },
  { name: "load generator CPU (% of a core)", value: (r) => 100 * d(r).cpu.loadCore, digits: 1 },
  { name: "other processes' CPU (% of a core; noise)", value: (r) => 100 * d(r).cpu.otherCore, digits: 1 },
  {
    name: "load generator event-loop delay p99 / max (ms)",
    value: (r) => `${d(r).loadEventLoopDelayMs.p99.toFixed(1)} / ${d(r).loadEventLoopDelayMs.max.toFixed(1)}`,
  },
];

const saturationMetrics: Metric[] = [
  { name: "delivered notifications/s", value: (r) => d(r).deliveredPerSecond, digits: 0, ratio: true },
  { name: "server CPU per notification (µs)", value: (r) => d(r).serverMicrosPerNotification, digits: 1, ratio: true },
  { name: "broadcasts/s", value: (r) => d(r).broadcastsPerSecond, digits: 0, ratio: true },
  { name: "latency p50 / p99 (ms)", value: (r) => `${d(r).latencyMs.p50.toFixed(1)} / ${d(r).latencyMs.p99.toFixed(1)}` },
  { name: "delivered / expected (after drain)", value: (r) => `${d(r).delivered}/${d(r).expected} (${pct(d(r).delivered, d(r).expected)})` },
  { name: "server CPU (% of a core)", value: (r) => 100 * d(r).cpu.serverCore, digits: 1 },
  { name: "load generator CPU (% of a core)", value: (r) => 100 * d(r).cpu.loadCore, digits: 1 },
  { name: "other processes' CPU (% of a core; noise)", value: (r) => 100 * d(r).cpu.otherCore, digits: 1 },
];

const idleMetrics: Metric[] = [
  { name: "server RSS per held poll (KB)", value: (r) => i(r).bytesPerHeldPoll / 1024, digits: 2, ratio: true },
  {
    name: "held / asked (probes woken)",
    value: (r) => `${i(r).sent - i(r).returnedEarly - i(r).pollErrors}/${i(r).polls} (${i(r).probesDelivered}/${i(r).probes})`,
  },
  {
    name: "server RSS before → held → released (MB)",
    value: (r) => [i(r).rssBeforeBytes, i(r).rssHeldBytes, i(r).rssReleasedBytes].map((b) => (b / 2 ** 20).toFixed(1)).join(" → "),
  },
];

function label(r: ScenarioResult): string {
  if (r.scenario === "idle") return `idle, ${r.polls} polls`;
  if (r.scenario === "fanout") return `fan-out ${r.sessions}x${r.terminals}, ${r.rate}/s, ${r.durationSeconds} s`;
  return `saturation ${r.sessions}x${r.terminals}, ${r.inflight} in flight, ${r.durationSeconds} s`;
}

function format(value: number | string, digits = 2): string {
  if (typeof value === "string") return value;
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

export function markdown(run: RunResult): string {
  const withNchan = run.results.some((r) => r.target === "nchan");
  const header = withNchan
    ? "| scenario | metric | ours | nchan | ours/nchan |\n| --- | --- | ---: | ---: | ---: |"
    : "| scenario | metric | ours |\n| --- | --- | ---: |";
  const lines = [header];
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of run.results) groups.set(label(r), [...(groups.get(label(r)) ?? []), r]);
  for (const [name, results] of groups) {
    const ours = results.find((r) => r.target === "ours");
    const nchan = results.find((r) => r.target === "nchan");
    const metrics = results[0]!.scenario === "idle" ? idleMetrics : results[0]!.scenario === "fanout" ? fanoutMetrics : saturationMetrics;
    for (const metric of metrics) {
      const a = ours ? metric.value(ours) : "n/a";
      const b = nchan ? metric.value(nchan) : "n/a";
      const cells = [name, metric.name, format(a, metric.digits)];
      if (withNchan) {
        cells.push(format(b, metric.digits));
        cells.push(metric.ratio && typeof a === "number" && typeof b === "number" && b !== 0 ? format(a / b, 2) : "");
      }
      lines.push(`| ${cells.join(" | ")} |`);
    }
  }
  const notes = [
    `${run.host.cpus} x ${run.host.model}, Node ${run.host.node}, Linux ${run.host.kernel}${run.nchanVersion ? `, Nchan ${run.nchanVersion} (one worker)` : ""}; load average ${run.host.loadAverage1m.toFixed(2)} at start.`,
  ];
  const modes = new Set(run.results.filter((r) => r.scenario !== "idle").map((r) => `${r.target}: ${(r as DeliveryResult).publishMode}`));
  for (const mode of modes) notes.push(`Publishing, ${mode}.`);
  const noisy = run.results.filter((r) => r.scenario !== "idle" && r.cpu.otherCore > 0.1);
  if (noisy.length)
    notes.push(
      `**Noisy machine:** other processes used more than 10 % of a core during ${noisy.map((r) => `${r.target} ${r.scenario}`).join(", ")}; rerun on a quiet machine before quoting.`,
    );
  if (run.failures.length) notes.push(`**Failures:** ${run.failures.join("; ")}`);
  return `${lines.join("\n")}\n\n${notes.join("\n")}\n`;
}
