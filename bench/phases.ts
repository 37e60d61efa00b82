/**
 * The phase breakdown of our server's broadcasts under fan-out, from the samples it writes at
 * exit (src/metrics/phase-timing.ts): p50/p99 per phase, GC pauses, and what the slowest 1 %
 * of sampled broadcasts overlapped.
 */
import { readFileSync } from "node:fs";
import type { PhaseReport, PhaseSample } from "../src/metrics/phase-timing.ts";
import type { DeliveryResult } from "./results.ts";
import { summarize, type Summary } from "./stats.ts";

export const PHASES = {
  "request parsed → committed": (s: PhaseSample) => s.committed - s.begun,
  "committed → last poll woken": (s: PhaseSample) => s.lastWoken - s.committed,
  "last poll woken → last reply written": (s: PhaseSample) => s.lastWritten - s.lastWoken,
  "committed → first reply written": (s: PhaseSample) => s.firstWritten - s.committed,
  "total: parsed → last reply written": (s: PhaseSample) => s.lastWritten - s.begun,
} as const;

export type PhaseName = keyof typeof PHASES;

export interface PhaseBreakdown {
  every: number;
  samples: number;
  unfinished: number;
  phasesMs: Record<PhaseName, Summary>;
  gc: { count: number; totalMs: number; p99Ms: number; maxMs: number; msPerSecond: number };
  serverEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The sampled broadcasts at or over the p99 of the total. */
  tail: { count: number; withGcPause: number; gcMsInTail: number; slowestPhase: Partial<Record<PhaseName, number>> };
}

/** The breakdown over the phase files of one scenario (one per round; each its own server process and GC timeline). */
export function readPhases(files: string[]): PhaseBreakdown {
  const reports = files.map((file) => JSON.parse(readFileSync(file, "utf8")) as PhaseReport);
  const withGc = reports.flatMap((report) => report.samples.filter((s) => Number.isFinite(s.lastWritten)).map((s) => ({ s, gc: report.gc })));
  const samples = withGc.map((x) => x.s);
  const phasesMs = Object.fromEntries(Object.entries(PHASES).map(([name, f]) => [name, summarize(samples.map(f))])) as Record<PhaseName, Summary>;
  const pauses = reports.flatMap((report) => report.gc.map((g) => g.ms));
  const gcSummary = summarize(pauses);
  const life = reports.reduce((sum, report) => sum + report.lifeMs, 0) / 1000;
  const totalGc = pauses.reduce((a, b) => a + b, 0);
  const threshold = phasesMs["total: parsed → last reply written"].p99;
  const tail = withGc.filter(({ s }) => s.lastWritten - s.begun >= threshold);
  let withGcPause = 0;
  let gcMsInTail = 0;
  const slowestPhase: Partial<Record<PhaseName, number>> = {};
  const parts = (Object.keys(PHASES) as PhaseName[]).filter((p) => !p.startsWith("total") && !p.includes("first"));
  for (const { s, gc } of tail) {
    const overlap = gc.filter((g) => g.start < s.lastWritten && g.start + g.ms > s.begun).reduce((a, g) => a + g.ms, 0);
    if (overlap > 0) withGcPause++;
    gcMsInTail += overlap;
    const worst = parts.reduce((a, b) => (PHASES[b](s) > PHASES[a](s) ? b : a));
    slowestPhase[worst] = (slowestPhase[worst] ?? 0) + 1;
  }
  const delays = reports.map((report) => report.eventLoopDelayMs);
  const worstOf = (k: "p50" | "p99" | "max") => Math.max(...delays.map((x) => x[k]));
  return {
    every: reports[0]?.every ?? 0,
    samples: samples.length,
    unfinished: reports.reduce((n, report) => n + report.unfinished, 0),
    phasesMs,
    gc: { count: pauses.length, totalMs: totalGc, p99Ms: gcSummary.p99, maxMs: gcSummary.max, msPerSecond: life > 0 ? totalGc / life : NaN },
    serverEventLoopDelayMs: { p50: worstOf("p50"), p99: worstOf("p99"), max: worstOf("max") },
    tail: { count: tail.length, withGcPause, gcMsInTail, slowestPhase },
  };
}

/** `fanout`: our fan-out result of the same scenario (first round), for the end-to-end figures beside the server's. */
export function phaseTable(label: string, b: PhaseBreakdown, fanout?: DeliveryResult): string {
  const loadLoopDelay = fanout?.loadEventLoopDelayMs;
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
  const rows = (Object.keys(PHASES) as PhaseName[]).map((name) => {
    const s = b.phasesMs[name];
    return `| ${name} | ${f(s.p50)} | ${f(s.p99)} | ${f(s.max)} |`;
  });
  const slowest = Object.entries(b.tail.slowestPhase)
    .map(([phase, n]) => `${phase} in ${n}`)
    .join(", ");
  const notes = [
    `${b.samples} broadcasts sampled (1 in ${b.every}; ${b.unfinished} unfinished at exit). GC over the server's life: ${b.gc.count} pauses, ${f(b.gc.totalMs)} ms in all (${f(b.gc.msPerSecond)} ms/s), p99 ${f(b.gc.p99Ms)} ms, max ${f(b.gc.maxMs)} ms.`,
    `Server event-loop delay p50 / p99 / max (worst round): ${f(b.serverEventLoopDelayMs.p50)} / ${f(b.serverEventLoopDelayMs.p99)} / ${f(b.serverEventLoopDelayMs.max)} ms${loadLoopDelay ? `; load generator's: p99 ${f(loadLoopDelay.p99)}, max ${f(loadLoopDelay.max)} ms` : ""}.`,
    ...(fanout
      ? [
          `End to end (load generator, first round): publish start → receipt p50 ${f(fanout.latencyMs.p50)} / p99 ${f(fanout.latencyMs.p99)} ms, publish round trip p50 ${f(fanout.publishMs.p50)} / p99 ${f(fanout.publishMs.p99)} ms. What the server-side total does not cover was spent before the request was parsed (the load generator's agent queue, the socket, our event loop) or after the reply was written.`,
        ]
      : []),
    `A terminal whose previous reply was still on its way when the commit came is "woken" by its next poll: "committed → last poll woken" includes that round trip through the load generator.`,
    `Slowest 1 % (${b.tail.count} broadcasts at or over the total's p99): ${b.tail.withGcPause} overlapped a GC pause (${f(b.tail.gcMsInTail)} ms of GC in all); their longest phase: ${slowest || "n/a"}.`,
  ];
  return [`Phases of a broadcast on our server, ${label} (ms):`, "", "| phase | p50 | p99 | max |", "| --- | ---: | ---: | ---: |", ...rows, "", ...notes].join(
    "\n",
  );
}
