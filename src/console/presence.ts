import type { Clock } from "../bus/bus.ts";
import { CHANNEL, parseChannel } from "../protocol/channels.ts";

/**
 * online: holding a poll now (or between two polls); waiting: the last PING's PONG has not been
 * polled yet; idle: seen within a poll timeout but not polling now; offline: not seen for longer
 * than a poll timeout (or never, by this node).
 */
export type TerminalState = "online" | "waiting" | "idle" | "offline";

export interface TerminalPresence {
  state: TerminalState;
  /** Polls this terminal holds right now. */
  heldPolls: number;
  /** Epoch ms; null when this node has not seen it since it started. */
  lastPollAt: number | null;
  lastPingAt: number | null;
  lastPongAt: number | null;
  clientAddress: string | null;
}

/** What one node has seen of one terminal; several nodes' entries merge into one (mergeEntries). */
export interface PresenceEntry {
  heldPolls: number;
  lastPollAt: number | undefined;
  lastPingAt: number | undefined;
  lastPongAt: number | undefined;
  clientAddress: string | undefined;
}

/** A poll answered this long ago still counts as polling: the terminal is about to poll again. */
const REPOLL_GRACE_MS = 1000;
/** Bounds memory against clients inventing channel names; the least recently seen go first. */
const MAX_TERMINALS = 50_000;

/**
 * What this node has seen of each terminal's polls and PINGs, in memory: the operator console's
 * answer to "is terminal 3 polling, and did it answer its last PING?".
 */
export class Presence {
  private readonly entries = new Map<string, PresenceEntry>();
  /** channel -> terminal key and whether it is the PONG channel; parsing JSON once per channel. */
  private readonly channels = new Map<string, { key: string; pong: boolean } | null>();
  /** Terminals whose entry changed since takeChanged(): what a shared store is told next. Kept only once someone takes them. */
  private changed: Set<string> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly pollTimeoutMs: number,
  ) {}

  /** A poll on `channels` is held: counted for the terminals they name until pollEnded(channels). */
  pollStarted(channels: readonly string[], clientAddress: string): void {
    const now = this.clock.now();
    for (const key of this.terminalsOf(channels)) {
      const entry = this.touch(key);
      entry.heldPolls += 1;
      entry.lastPollAt = now;
      entry.clientAddress = clientAddress;
    }
  }

  /** The poll on `channels` is answered with `notifications` (or failed: []); notes any PONG among them. */
  pollEnded(channels: readonly string[], notifications: readonly { channel: string }[]): void {
    const endedAt = this.clock.now();
    for (const { channel } of notifications) {
      const parsed = this.parse(channel);
      if (parsed?.pong) this.touch(parsed.key).lastPongAt = endedAt;
    }
    for (const key of this.terminalsOf(channels)) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      this.changed?.add(key);
      entry.heldPolls = Math.max(0, entry.heldPolls - 1);
      entry.lastPollAt = endedAt;
    }
  }

  pinged(dbname: string, posId: number | string): void {
    this.touch(terminalKey(dbname, String(posId))).lastPingAt = this.clock.now();
  }

  of(dbname: string, posId: number | string): TerminalPresence {
    return this.view(this.entries.get(terminalKey(dbname, String(posId))));
  }

  /** This node's entry of a terminal, or undefined when it has not seen it. */
  entryOf(dbname: string, posId: number | string): Readonly<PresenceEntry> | undefined {
    return this.entries.get(terminalKey(dbname, String(posId)));
  }

  /** What an entry (this node's, or several nodes' merged) says of a terminal now. */
  view(entry: PresenceEntry | undefined): TerminalPresence {
    const now = this.clock.now();
    return {
      state: entry ? stateOf(entry, now, this.pollTimeoutMs) : "offline",
      heldPolls: entry?.heldPolls ?? 0,
      lastPollAt: entry?.lastPollAt ?? null,
      lastPingAt: entry?.lastPingAt ?? null,
      lastPongAt: entry?.lastPongAt ?? null,
      clientAddress: entry?.clientAddress ?? null,
    };
  }

  /** The next takeChanged() returns every terminal (a write of them failed). */
  resendAll(): void {
    this.changed = undefined;
  }

  /** The terminals whose entry changed since the last call, with their entries now; the set starts empty again. */
  takeChanged(): Array<{ dbname: string; posId: string; entry: Readonly<PresenceEntry> }> {
    const taken = [];
    this.changed ??= new Set(this.entries.keys());
    for (const key of this.changed) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      const separator = key.indexOf("\u0000");
      taken.push({ dbname: key.slice(0, separator), posId: key.slice(separator + 1), entry: { ...entry } });
    }
    this.changed.clear();
    return taken;
  }

  /** Pos ids of a database this node has seen polling or PINGing. */
  posIdsOf(dbname: string): string[] {
    const prefix = `${dbname}\u0000`;
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }

  /** Every terminal this node has seen, with its entry: one pass, for the list of every database. */
  *seen(): Generator<{ dbname: string; posId: string; entry: Readonly<PresenceEntry> }> {
    for (const [key, entry] of this.entries) {
      const separator = key.indexOf("\u0000");
      yield { dbname: key.slice(0, separator), posId: key.slice(separator + 1), entry };
    }
  }

  /** Terminals online or waiting (polling, or between two polls) out of all this node has seen. */
  counts(): { online: number; known: number } {
    const now = this.clock.now();
    let online = 0;
    for (const entry of this.entries.values()) {
      const state = stateOf(entry, now, this.pollTimeoutMs);
      if (state === "online" || state === "waiting") online += 1;
    }
    return { online, known: this.entries.size };
  }

  /** The terminals `channels` name, each once; worked out again when the poll ends rather than kept while it is held. */
  private terminalsOf(channels: readonly string[]): string[] {
    const keys: string[] = [];
    for (const channel of channels) {
      const parsed = this.parse(channel);
      if (parsed && !keys.includes(parsed.key)) keys.push(parsed.key);
    }
    return keys;
  }

  private parse(channel: string): { key: string; pong: boolean } | null {
    let parsed = this.channels.get(channel);
    if (parsed === undefined) {
      const parts = parseChannel(channel);
      parsed = parts ? { key: terminalKey(parts.dbname, parts.posId), pong: parts.name === CHANNEL.longpolling } : null;
      if (this.channels.size >= MAX_TERMINALS * 2) this.channels.clear();
      this.channels.set(channel, parsed);
    }
    return parsed;
  }

  /** The entry of `key`, moved to the young end of the map. */
  private touch(key: string): PresenceEntry {
    this.changed?.add(key);
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      entry = { heldPolls: 0, lastPollAt: undefined, lastPingAt: undefined, lastPongAt: undefined, clientAddress: undefined };
      if (this.entries.size >= MAX_TERMINALS) this.evictOldestIdle();
    }
    this.entries.set(key, entry);
    return entry;
  }

  private evictOldestIdle(): void {
    for (const [key, entry] of this.entries) {
      if (entry.heldPolls === 0) return void this.entries.delete(key);
    }
  }
}

/**
 * Several nodes' entries of one terminal as one: held polls added up, the latest poll, PING and
 * PONG whichever node saw them (a PING answered through one node is PONGed over a poll another
 * node holds), and the address of the latest poll.
 */
export function mergeEntries(entries: readonly PresenceEntry[]): PresenceEntry | undefined {
  if (entries.length === 0) return undefined;
  const latest = (pick: (entry: PresenceEntry) => number | undefined) =>
    entries.reduce<number | undefined>((max, entry) => {
      const value = pick(entry);
      return value === undefined ? max : Math.max(max ?? value, value);
    }, undefined);
  const lastPollAt = latest((entry) => entry.lastPollAt);
  return {
    heldPolls: entries.reduce((sum, entry) => sum + entry.heldPolls, 0),
    lastPollAt,
    lastPingAt: latest((entry) => entry.lastPingAt),
    lastPongAt: latest((entry) => entry.lastPongAt),
    clientAddress: entries.find((entry) => entry.lastPollAt === lastPollAt && entry.clientAddress !== undefined)?.clientAddress,
  };
}

function stateOf(entry: PresenceEntry, now: number, pollTimeoutMs: number): TerminalState {
  const polling = entry.heldPolls > 0 || (entry.lastPollAt !== undefined && now - entry.lastPollAt <= REPOLL_GRACE_MS);
  const seenRecently = polling || (entry.lastPollAt !== undefined && now - entry.lastPollAt <= pollTimeoutMs);
  if (!seenRecently) return "offline";
  if (entry.lastPingAt !== undefined && entry.lastPingAt > (entry.lastPongAt ?? -Infinity)) return "waiting";
  return polling ? "online" : "idle";
}

function terminalKey(dbname: string, posId: string): string {
  return `${dbname}\u0000${posId}`;
}
