/** What a load scenario needs from a system under test (ours, the Node floor or Nchan). */
import type { TargetName } from "./results.ts";

/** The payload of one benchmark broadcast, as the subscribers receive it. */
export interface BenchData {
  /** performance.now() of the load generator when the publish call started. */
  t: number;
  /** Global broadcast sequence number; negative for warm-up broadcasts. */
  seq: number;
}

/** A terminal is identified by its session (1..S) and its index in the session (1..N). */
export interface Terminal {
  session: number;
  index: number;
  /** Unique terminal number across sessions (our pos_id). */
  id: number;
}

export interface Subscriber {
  /** One long-poll: resolves with the benchmark payloads delivered by this response (maybe none). */
  poll(signal: AbortSignal, onSent?: () => void): Promise<BenchData[]>;
}

export interface StartOptions {
  /** Seconds the server holds a poll (ours: POS_SYNC_POLL_TIMEOUT, nchan: subscriber timeout). */
  pollTimeout: number;
  /** Long polls the run will hold at once (agents, fd and per-client limits). */
  maxPolls: number;
  /** Publish requests in flight at once. */
  maxPublish: number;
  /** Extra node flags for our server (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra environment for our server (e.g. POS_SYNC_PHASE_SAMPLING). */
  env?: Record<string, string>;
  /** Our server only: its store and how many nodes. */
  store?: "sqlite" | "postgres";
  /** PostgreSQL settings of the bench database (--pg-set). */
  pgSettings?: Readonly<Record<string, string>>;
  nodes?: number;
  /** Ours on PostgreSQL: milliseconds a delaying proxy holds every packet, each way (--pg-delay). */
  pgDelayMs?: number;
  /** Sessions spread over this many shops (databases), round robin (--shops). */
  shops?: number;
  /** How subscribers and idle clients listen: long-poll (default) or an event stream (ours and the Node floor: /longpolling/stream, Nchan: EventSource). */
  transport?: "poll" | "stream";
}

export interface Target {
  readonly name: TargetName;
  /** The process whose memory is measured (with two nodes, the one the terminals poll). */
  readonly pid: number;
  /** Every process of the server whose CPU is counted (both nodes, with two). */
  readonly pids: readonly number[];
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** How one broadcast is published, for the report. */
  readonly publishMode: string;
  /** Make the terminals of a session known (ours: sync_all per terminal). */
  register(terminals: Terminal[]): Promise<void>;
  /** A long-poll subscriber of a terminal's own channel, keeping its own cursor. */
  subscriber(terminal: Terminal): Subscriber;
  /** Open n keep-alive publisher connections (concurrent cheap requests), so connection set-up is not measured. */
  warmPublishers(n: number): Promise<void>;
  /** Broadcast one payload to every terminal of a session; resolves when the publish call returns. */
  publish(session: number, terminals: Terminal[], data: BenchData): Promise<void>;
  /** An idle long-poll on its own channel, number i; resolves with the count of messages it returned. */
  idlePoll(i: number, signal: AbortSignal, onSent: () => void): Promise<number>;
  /**
   * A terminal that was never seen, number i, (re)connecting: its first poll, last=0 on its
   * pos.multi_session and pos.longpolling channels, as a peek (answered at once, so its time is
   * the server's first-poll cost), on a new connection. Resolves with the count of messages.
   */
  connectPoll?(i: number): Promise<number>;
  /** Wake idle poll i with a probe message (proves it was held). */
  probeIdle(i: number): Promise<void>;
  stop(): Promise<void>;
}

export function topology(sessions: number, terminals: number): Terminal[][] {
  const result: Terminal[][] = [];
  for (let s = 1; s <= sessions; s++) {
    const row: Terminal[] = [];
    for (let t = 1; t <= terminals; t++) row.push({ session: s, index: t, id: (s - 1) * terminals + t });
    result.push(row);
  }
  return result;
}
