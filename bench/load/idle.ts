/** Idle: many held polls on distinct channels; server memory per held poll. */
import { setMaxListeners } from "node:events";
import { cpuMicros, rssBytes, sleep } from "../proc.ts";
import type { IdleResult } from "../results.ts";
import type { Target } from "../target.ts";

export interface IdleOptions {
  polls: number;
  /** Requests being written at once while opening. */
  openConcurrency: number;
  probes: number;
}

interface HeldPoll {
  done: boolean;
  messages: number;
  error?: string;
  promise: Promise<void>;
}

function hold(target: Target, i: number, signal: AbortSignal, onSent: () => void): HeldPoll {
  const poll: HeldPoll = { done: false, messages: 0, promise: Promise.resolve() };
  poll.promise = target.idlePoll(i, signal, onSent).then(
    (messages) => {
      poll.done = true;
      poll.messages = messages;
    },
    (error: Error) => {
      poll.done = true;
      if (!signal.aborted) poll.error = error.message;
    },
  );
  return poll;
}

/** Wait until RSS stops moving (two samples 250 ms apart within 0.5 %), at least 1 s, at most 10 s. */
async function settledRss(pid: number): Promise<number> {
  const start = performance.now();
  let previous = rssBytes(pid);
  for (;;) {
    await sleep(250);
    const current = rssBytes(pid);
    const stable = Math.abs(current - previous) <= previous * 0.005;
    if ((stable && performance.now() - start >= 1000) || performance.now() - start >= 10_000) return current;
    previous = current;
  }
}

export async function runIdle(target: Target, options: IdleOptions): Promise<IdleResult> {
  // Warm-up: exercise the poll and probe paths once, so JIT and first allocations are not counted.
  const warm = new AbortController();
  setMaxListeners(0, warm.signal);
  const warmPolls = Array.from({ length: 200 }, (_, k) => hold(target, options.polls + k, warm.signal, () => {}));
  await sleep(300);
  await Promise.all(warmPolls.map((_, k) => target.probeIdle(options.polls + k)));
  await Promise.race([Promise.all(warmPolls.map((p) => p.promise)), sleep(5000)]);
  warm.abort();
  await sleep(500);

  const rssBefore = await settledRss(target.pid);
  const cpuBefore = cpuMicros(target.pid);
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const polls: HeldPoll[] = [];
  let sent = 0;
  const openStart = performance.now();
  for (let i = 0; i < options.polls; i++) {
    polls.push(hold(target, i, controller.signal, () => sent++));
    // Keep at most openConcurrency requests unflushed, bounded in time.
    const deadline = performance.now() + 10_000;
    while (i + 1 - sent >= options.openConcurrency && performance.now() < deadline) await sleep(1);
  }
  const sendDeadline = performance.now() + 20_000;
  while (sent < options.polls && performance.now() < sendDeadline) await sleep(10);
  const openSeconds = (performance.now() - openStart) / 1000;
  const rssHeld = await settledRss(target.pid);
  const cpuOpen = cpuMicros(target.pid) - cpuBefore;
  const returnedEarly = polls.filter((p) => p.done && p.error === undefined).length;

  // Probe a spread of the held polls: each must wake with its message.
  const step = Math.max(1, Math.floor(options.polls / options.probes));
  const probed = polls
    .map((_, i) => i)
    .filter((i) => i % step === 0)
    .slice(0, options.probes);
  await Promise.all(probed.map((i) => target.probeIdle(i).catch(() => {})));
  const probeDeadline = performance.now() + 5000;
  while (probed.some((i) => !polls[i]!.done) && performance.now() < probeDeadline) await sleep(10);
  const probesDelivered = probed.filter((i) => polls[i]!.done && polls[i]!.messages > 0).length;

  controller.abort();
  await Promise.race([Promise.allSettled(polls.map((p) => p.promise)), sleep(10_000)]);
  await sleep(1000);
  const rssReleased = rssBytes(target.pid);
  const errors = polls.filter((p) => p.error !== undefined);
  return {
    scenario: "idle",
    target: target.name,
    polls: options.polls,
    sent,
    returnedEarly,
    pollErrors: errors.length,
    ...(errors.length ? { lastPollError: errors[errors.length - 1]!.error! } : {}),
    rssBeforeBytes: rssBefore,
    rssHeldBytes: rssHeld,
    rssReleasedBytes: rssReleased,
    bytesPerHeldPoll: (rssHeld - rssBefore) / options.polls,
    probes: probed.length,
    probesDelivered,
    openSeconds,
    serverCpuMicrosWhileOpening: cpuOpen,
  };
}
