/**
 * The markdown tables of a run: ours, the Node floor and Nchan, and the ratios ours/floor and
 * ours/nchan per metric. With several rounds each cell is the median over rounds and its spread
 * (min-max); a ratio is taken within each round (targets of a round run one after the other,
 * so a busier or quieter machine weighs on both sides) and summarised the same way.
 */
import type { DeliveryResult, IdleResult, RunResult, ScenarioResult, TargetName } from "./results.ts";

interface Metric {
  name: string;
  value: (r: ScenarioResult) => number | string;
  digits?: number;
  /** Ratios ours/other are meaningful. */
  ratio?: boolean;
}

const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(part === whole ? 0 : 3)} %` : "n/a");
const d = (r: ScenarioResult) => r as DeliveryResult;
const i = (r: ScenarioResult) => r as IdleResult;

const serverKernelShare: Metric = {
  name: "server CPU in the kernel (% of the server's)",
  value: (r) => (d(r).cpu.serverMicros > 0 ? (100 * (d(r).cpu.serverKernelMicros ?? NaN)) / d(r).cpu.serverMicros : NaN),
  digits: 0,
};

/** With --store postgres the store is other processes: every PostgreSQL process's CPU over the same window (rows shown only then). */
const postgresMetrics: Metric[] = [
  { name: "PostgreSQL CPU per notification (µs)", value: (r) => (d(r).cpu.postgresMicros ?? NaN) / d(r).deliveredInWindow, digits: 1 },
  {
    name: "server + PostgreSQL CPU per notification (µs)",
    value: (r) => (d(r).cpu.serverMicros + (d(r).cpu.postgresMicros ?? NaN)) / d(r).deliveredInWindow,
    digits: 1,
    ratio: true,
  },
];

const fanoutMetrics: Metric[] = [
  { name: "latency p50 (ms)", value: (r) => d(r).latencyMs.p50, digits: 2, ratio: true },
  { name: "latency p99 (ms)", value: (r) => d(r).latencyMs.p99, digits: 2, ratio: true },
  { name: "latency max (ms)", value: (r) => d(r).latencyMs.max, digits: 2, ratio: true },
  { name: "delivered / expected", value: (r) => `${d(r).delivered}/${d(r).expected} (${pct(d(r).delivered, d(r).expected)})` },
  { name: "server CPU per notification (µs)", value: (r) => d(r).serverMicrosPerNotification, digits: 1, ratio: true },
  { name: "server CPU (% of a core)", value: (r) => 100 * d(r).cpu.serverCore, digits: 1, ratio: true },
  serverKernelShare,
  ...postgresMetrics,
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
  { name: "subscriber replies per broadcast", value: (r) => (d(r).replies ?? NaN) / d(r).broadcasts, digits: 2, ratio: true },
  { name: "latency p50 / p99 (ms)", value: (r) => `${d(r).latencyMs.p50.toFixed(1)} / ${d(r).latencyMs.p99.toFixed(1)}` },
  { name: "delivered / expected (after drain)", value: (r) => `${d(r).delivered}/${d(r).expected} (${pct(d(r).delivered, d(r).expected)})` },
  { name: "server CPU (% of a core)", value: (r) => 100 * d(r).cpu.serverCore, digits: 1 },
  serverKernelShare,
  ...postgresMetrics,
  { name: "load generator CPU (% of a core)", value: (r) => 100 * d(r).cpu.loadCore, digits: 1 },
  { name: "other processes' CPU (% of a core; noise)", value: (r) => 100 * d(r).cpu.otherCore, digits: 1 },
];

const connectMetrics: Metric[] = [
  { name: "first poll p50 (ms)", value: (r) => d(r).firstPollMs?.p50 ?? NaN, digits: 2, ratio: true },
  { name: "first poll p99 (ms)", value: (r) => d(r).firstPollMs?.p99 ?? NaN, digits: 2, ratio: true },
  { name: "first poll max (ms)", value: (r) => d(r).firstPollMs?.max ?? NaN, digits: 2, ratio: true },
  { name: "first polls answered / asked", value: (r) => `${(d(r).connects ?? 0) - (d(r).connectErrors ?? 0)}/${d(r).connects ?? 0}` },
  { name: "delivered notifications/s (storm included)", value: (r) => d(r).deliveredPerSecond, digits: 0, ratio: true },
  { name: "server CPU per notification (µs, storm included)", value: (r) => d(r).serverMicrosPerNotification, digits: 1, ratio: true },
  { name: "delivered / expected (after drain)", value: (r) => `${d(r).delivered}/${d(r).expected} (${pct(d(r).delivered, d(r).expected)})` },
  {
    name: "load generator event-loop delay p99 / max (ms)",
    value: (r) => `${d(r).loadEventLoopDelayMs.p99.toFixed(1)} / ${d(r).loadEventLoopDelayMs.max.toFixed(1)}`,
  },
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

export function label(r: ScenarioResult): string {
  const stream = r.transport === "stream" ? "stream " : "";
  if (r.scenario === "idle") return `${stream}idle, ${r.polls} ${stream ? "streams" : "polls"}`;
  if (r.scenario === "fanout") return `${stream}fan-out ${r.sessions}x${r.terminals}, ${r.rate}/s, ${r.durationSeconds} s`;
  if (r.scenario === "connect")
    return `connect storm, ${r.connects} first polls during saturation ${r.sessions}x${r.terminals}, ${r.inflight} in flight, ${r.durationSeconds} s`;
  return `${stream}saturation ${r.sessions}x${r.terminals}, ${r.inflight} in flight, ${r.durationSeconds} s`;
}

function format(value: number | string, digits = 2): string {
  if (typeof value === "string") return value;
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

const COLUMNS: Record<string, string> = { ours: "ours", "node-floor": "Node floor", nchan: "Nchan" };
const column = (t: TargetName) => COLUMNS[t] ?? t;

/** Other builds of ours first (as given), then ours, the Node floor and Nchan. */
function targetsOf(run: RunResult): TargetName[] {
  const builds = [...new Set(run.results.map((r) => r.target).filter((t) => t.startsWith("ours@")))];
  return [...builds, ...(["ours", "node-floor", "nchan"] as const).filter((t) => run.results.some((r) => r.target === t))];
}

/** A figure's values, one per round in round order. */
type Rounds = (number | string)[];

const finite = (values: Rounds): values is number[] => values.length > 0 && values.every((v) => typeof v === "number" && Number.isFinite(v));

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One round: the value; several: the median and the spread "median (min-max)"; for text, the distinct values. */
function combine(values: Rounds, digits = 2): string {
  if (values.length === 0) return "n/a";
  if (!finite(values)) return [...new Set(values.map((v) => format(v, digits)))].join("; ");
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = format(median(sorted), digits);
  return sorted.length === 1 ? middle : `${middle} (${format(sorted[0]!, digits)}-${format(sorted[sorted.length - 1]!, digits)})`;
}

/** ours / other within each round (rounds in the same order on both sides), then combined. */
function ratio(ours: Rounds, other: Rounds): string {
  if (!finite(ours) || !finite(other) || ours.length !== other.length) return "";
  const ratios = ours.map((a, k) => a / other[k]!);
  return finite(ratios) ? combine(ratios, 2) : "";
}

/** A row per figure: ours, each other target, then ours/other for each. */
function table(
  targets: TargetName[],
  head: string[],
  rows: { cells: string[]; values: Partial<Record<TargetName, Rounds>>; digits?: number; ratio?: boolean }[],
): string {
  const others = targets.filter((t) => t !== "ours");
  const header = [...head, ...targets.map(column), ...others.map((t) => `ours / ${column(t)}`)];
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map((_, k) => (k < head.length ? "---" : "---:")).join(" | ")} |`];
  for (const row of rows) {
    const values = targets.map((t) => combine(row.values[t] ?? [], row.digits));
    const ratios = others.map((t) => (row.ratio ? ratio(row.values.ours ?? [], row.values[t] ?? []) : ""));
    lines.push(`| ${[...row.cells, ...values, ...ratios].join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The five figures of issue 14, for the first fan-out/saturation topology of the run. */
function headline(run: RunResult, targets: TargetName[]): string | undefined {
  const firstLabel = (scenario: ScenarioResult["scenario"], transport: "stream" | undefined) => {
    const first = run.results.find((r) => r.target === "ours" && r.scenario === scenario && r.transport === transport);
    return first && label(first);
  };
  const per = (name: string | undefined, f: (r: ScenarioResult) => number | string) =>
    Object.fromEntries(targets.map((t) => [t, run.results.filter((r) => r.target === t && label(r) === name).map(f)])) as Partial<Record<TargetName, Rounds>>;
  const rows: Parameters<typeof table>[2] = [];
  for (const transport of [undefined, "stream" as const]) {
    const fanout = firstLabel("fanout", transport);
    const saturation = firstLabel("saturation", transport);
    const idle = firstLabel("idle", transport);
    if (fanout) rows.push({ cells: [`fan-out p99, ${fanout} (ms)`], values: per(fanout, (r) => d(r).latencyMs.p99), digits: 2, ratio: true });
    if (saturation) {
      rows.push({
        cells: [`server CPU per delivered notification, ${saturation} (µs)`],
        values: per(saturation, (r) => d(r).serverMicrosPerNotification),
        digits: 1,
        ratio: true,
      });
      rows.push({ cells: [`delivered notifications/s, ${saturation}`], values: per(saturation, (r) => d(r).deliveredPerSecond), digits: 0, ratio: true });
    }
    const what = transport === "stream" ? "open stream" : "held poll";
    if (idle) rows.push({ cells: [`memory (RSS) per ${what}, ${idle} (KB)`], values: per(idle, (r) => i(r).bytesPerHeldPoll / 1024), digits: 2, ratio: true });
  }
  const connect = firstLabel("connect", undefined);
  if (connect) {
    rows.push({ cells: [`first poll p50, ${connect} (ms)`], values: per(connect, (r) => d(r).firstPollMs?.p50 ?? NaN), digits: 2, ratio: true });
    rows.push({ cells: [`first poll p99, ${connect} (ms)`], values: per(connect, (r) => d(r).firstPollMs?.p99 ?? NaN), digits: 2, ratio: true });
  }
  const lost = Object.fromEntries(
    targets.map((t) => [
      t,
      [String(run.results.filter((r) => r.target === t).reduce((n, r) => n + (r.scenario === "idle" ? r.probes - r.probesDelivered : r.lost), 0))],
    ]),
  );
  rows.push({ cells: ["lost notifications, all scenarios and rounds"], values: lost });
  return rows.length > 1 ? table(targets, ["figure"], rows) : undefined;
}

export function markdown(run: RunResult): string {
  const targets = targetsOf(run);
  const groups = new Map<string, ScenarioResult[]>();
  for (const r of run.results) groups.set(label(r), [...(groups.get(label(r)) ?? []), r]);
  const rows: Parameters<typeof table>[2] = [];
  for (const [name, results] of groups) {
    const kind = results[0]!.scenario;
    const all = kind === "idle" ? idleMetrics : kind === "fanout" ? fanoutMetrics : kind === "connect" ? connectMetrics : saturationMetrics;
    const metrics = run.args.store === "postgres" ? all : all.filter((metric) => !postgresMetrics.includes(metric));
    for (const metric of metrics) {
      const values: Partial<Record<TargetName, Rounds>> = {};
      for (const t of targets) values[t] = results.filter((r) => r.target === t).map(metric.value);
      rows.push({
        cells: [name, metric.name],
        values,
        ...(metric.digits !== undefined ? { digits: metric.digits } : {}),
        ...(metric.ratio ? { ratio: true } : {}),
      });
    }
  }
  const top = headline(run, targets);
  const lines = [...(top ? [top, ""] : []), table(targets, ["scenario", "metric"], rows)];
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
