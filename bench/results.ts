/** The shape of one scenario's result, as written to JSON. */
import type { CpuDelta } from "./proc.ts";
import type { PhaseBreakdown } from "./phases.ts";
import type { ProfileEntry } from "./profile.ts";
import type { Summary } from "./stats.ts";

/** `ours@<name>`: our server built from another checkout (--build <name>=<dir>), e.g. the commit before a change. */
export type TargetName = "ours" | "node-floor" | "nchan" | `ours@${string}`;

/** Our server, from this checkout or another one. */
export function isOurs(name: TargetName): boolean {
  return name === "ours" || name.startsWith("ours@");
}

export interface DeliveryResult {
  /** connect: saturation with a storm of terminals (re)connecting in the middle of its window. */
  scenario: "fanout" | "saturation" | "connect";
  target: TargetName;
  /** Event-stream subscribers instead of long-polls (--transport stream). */
  transport?: "stream";
  publishMode: string;
  sessions: number;
  terminals: number;
  /** Open loop: broadcasts per second asked for. */
  rate?: number;
  /** Closed loop: broadcasts in flight. */
  inflight?: number;
  durationSeconds: number;
  broadcasts: number;
  publishErrors: number;
  lastPublishError?: string;
  expected: number;
  delivered: number;
  duplicates: number;
  lost: number;
  subscriberErrors: number;
  lastSubscriberError?: string;
  /** Publish start to receipt, ms, over every delivered notification. */
  latencyMs: Summary;
  /** Publish call round trip, ms. */
  publishMs: Summary;
  /** Measured window: the whole run (fan-out) or the closed-loop window (saturation). */
  cpu: CpuDelta;
  deliveredInWindow: number;
  /** Subscriber replies that delivered something, over the whole run (warm-up and drain included). */
  replies?: number;
  deliveredPerSecond: number;
  broadcastsPerSecond: number;
  serverMicrosPerNotification: number;
  loadMicrosPerNotification: number;
  /** connect: the storm's first polls, answered and failed, and their time from request to answer (ms). */
  connects?: number;
  connectErrors?: number;
  lastConnectError?: string;
  firstPollMs?: Summary;
  /** Event-loop delay of the load generator over the window, ms: high values mean harness-bound latencies. */
  loadEventLoopDelayMs: { p50: number; p99: number; max: number };
}

export interface IdleResult {
  scenario: "idle";
  target: TargetName;
  /** Open event streams instead of held polls (--transport stream). */
  transport?: "stream";
  polls: number;
  /** Polls whose request was flushed to the server. */
  sent: number;
  /** Polls that returned before the probe (should be 0). */
  returnedEarly: number;
  pollErrors: number;
  lastPollError?: string;
  rssBeforeBytes: number;
  rssHeldBytes: number;
  rssReleasedBytes: number;
  bytesPerHeldPoll: number;
  probes: number;
  probesDelivered: number;
  openSeconds: number;
  serverCpuMicrosWhileOpening: number;
}

export type ScenarioResult = DeliveryResult | IdleResult;

export interface RunResult {
  startedAt: string;
  host: { cpus: number; model: string; node: string; kernel: string; loadAverage1m: number };
  nchanVersion?: string;
  args: Record<string, unknown>;
  results: ScenarioResult[];
  failures: string[];
  /** Fan-out phase breakdown of our server (and of each --build), by target and scenario label (--phase-sampling). */
  phases?: Record<string, PhaseBreakdown>;
  /** Top self-time functions of our server (and of each --build) under fan-out and saturation (--profile), by target and scenario (the last round's). */
  profiles?: Record<string, { file: string; top: ProfileEntry[]; byPackage: ProfileEntry[] }>;
}
