import type { Clock } from "../bus/bus.ts";
import type { PresenceFields } from "../db/contracts/terminals.ts";
import { CHANNEL, parseChannel } from "../protocol/channels.ts";
import { Unacknowledged } from "./unacknowledged.ts";

/**
 * online: holding a poll now (or between two polls); waiting: the last PING's PONG has not been
 * polled yet; idle: seen within a poll timeout but not polling now; offline: not seen for longer
 * than a poll timeout (or never, by this node).
 */
export type TerminalState = "online" | "waiting" | "idle" | "offline";

/** A terminal as the console shows it: what the nodes know of its polling (PresenceFields), its state and whether it is behind. */
export interface TerminalPresence extends PresenceFields {
  state: TerminalState;
  /** The oldest unacknowledged notification is older than POS_SYNC_BEHIND_AFTER, and the terminal polled within the last hour. */
  behind: boolean;
}

/** What one node has seen of one terminal; several nodes' entries merge into one (mergeEntries). */
export interface PresenceEntry {
  heldPolls: number;
  lastPollAt: number | undefined;
  lastPingAt: number | undefined;
  lastPongAt: number | undefined;
  clientAddress: string | undefined;
  deliveredId: number | undefined;
  acknowledgedId: number | undefined;
  unacknowledged: number;
  unacknowledgedSince: number | undefined;
}

/** This node's entry, with the notifications it counts as unacknowledged once the terminal polled here. */
interface LocalEntry extends PresenceEntry {
  unacked?: Unacknowledged;
}

/** A poll answered this long ago still counts as polling: the terminal is about to poll again. */
const REPOLL_GRACE_MS = 1000;
/** Bounds memory against clients inventing channel names; the least recently seen go first. */
const MAX_TERMINALS = 50_000;
/**
 * A terminal not seen polling for this long has left (a till closed for the night): what it
 * misses meanwhile no longer makes it behind (it catches up with sync_all when it comes back),
 * and a shared store forgets its rows.
 */
export const PRESENCE_KEPT_MS = 3600_000;

/**
 * What this node has seen of each terminal's polls and PINGs, in memory: the operator console's
 * answer to "is terminal 3 polling, and did it answer its last PING?", and "is it behind?": each
 * poll's `last` acknowledges what the terminal received, and every notification committed on its
 * channels above that is counted until a poll acknowledges it.
 */
export class Presence {
  private readonly entries = new Map<string, LocalEntry>();
  /** channel -> terminal key and whether it is the PONG channel; parsing JSON once per channel. */
  private readonly channels = new Map<string, { key: string; pong: boolean } | null>();
  /** Terminals whose entry changed since takeChanged(): what a shared store is told next. Kept only once someone takes them. */
  private changed: Set<string> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly pollTimeoutMs: number,
    /** POS_SYNC_BEHIND_AFTER in ms. */
    readonly behindAfterMs = 10_000,
  ) {}

  /**
   * A poll on `channels` with cursor `last` is held: counted for the terminals they name until
   * pollEnded(channels). `last` acknowledges every notification up to it.
   */
  pollStarted(channels: readonly string[], clientAddress: string, last = 0): void {
    const now = this.clock.now();
    for (const key of this.terminalsOf(channels)) {
      const entry = this.touch(key);
      entry.heldPolls += 1;
      entry.lastPollAt = now;
      entry.clientAddress = clientAddress;
      const unacked = (entry.unacked ??= new Unacknowledged());
      if (last === 0) unacked.startOver();
      else unacked.acknowledge(last);
      counted(entry, unacked);
    }
  }

  /** The poll on `channels` is answered with `notifications` (or failed: []); notes any PONG among them. */
  pollEnded(channels: readonly string[], notifications: readonly { id: number; channel: string }[]): void {
    const endedAt = this.clock.now();
    this.delivered(notifications, endedAt);
    for (const key of this.terminalsOf(channels)) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      this.changed?.add(key);
      entry.heldPolls = Math.max(0, entry.heldPolls - 1);
      entry.lastPollAt = endedAt;
    }
  }

  /**
   * An event stream on `channels` wrote `notifications`: delivered, and acknowledged too, since a
   * stream has no cursor to send back (its client only says where it was when it reconnects).
   */
  streamed(channels: readonly string[], notifications: readonly { id: number; channel: string }[]): void {
    if (notifications.length === 0) return;
    this.delivered(notifications, this.clock.now());
    const newest = notifications[notifications.length - 1]!.id;
    for (const key of this.terminalsOf(channels)) {
      const entry = this.entries.get(key);
      if (!entry?.unacked?.acknowledge(newest)) continue;
      this.changed?.add(key);
      counted(entry, entry.unacked);
    }
  }

  /**
   * `batch` was committed (by any node; in id order per database): each one on the channels of a
   * terminal that polled here is unacknowledged until a poll of it says otherwise.
   */
  published(batch: readonly { id: number; channel: string }[]): void {
    let now: number | undefined;
    for (const { id, channel } of batch) {
      const parsed = this.parse(channel);
      const entry = parsed && this.entries.get(parsed.key);
      if (!entry?.unacked?.add(id, (now ??= this.clock.now()))) continue;
      this.changed?.add(parsed!.key);
      counted(entry, entry.unacked);
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
      deliveredId: entry?.deliveredId ?? null,
      acknowledgedId: entry?.acknowledgedId ?? null,
      unacknowledged: entry?.unacknowledged ?? 0,
      unacknowledgedSince: entry?.unacknowledgedSince ?? null,
      behind: entry ? isBehind(entry, now, this.behindAfterMs) : false,
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
      const { unacked: _kept, ...shared } = entry;
      taken.push({ dbname: key.slice(0, separator), posId: key.slice(separator + 1), entry: shared });
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

  /** How many of the terminals this node has seen are behind, and since when the oldest unacknowledged notification of all waits. */
  lag(): Lag {
    return lagOf(this.entries.values(), this.clock.now(), this.behindAfterMs);
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

  /** Notes the delivery of `notifications`, and any PONG among them, for the terminals whose channels they are on. */
  private delivered(notifications: readonly { id: number; channel: string }[], at: number): void {
    for (const { id, channel } of notifications) {
      const parsed = this.parse(channel);
      if (!parsed) continue;
      const entry = parsed.pong ? this.touch(parsed.key) : this.entries.get(parsed.key);
      if (!entry) continue;
      if (parsed.pong) entry.lastPongAt = at;
      this.changed?.add(parsed.key);
      entry.deliveredId = Math.max(entry.deliveredId ?? 0, id);
      // Answered from the store, a poll can deliver what this node committed before the terminal first polled here.
      if (entry.unacked?.add(id, at)) counted(entry, entry.unacked);
    }
  }

  /** The entry of `key`, moved to the young end of the map. */
  private touch(key: string): LocalEntry {
    this.changed?.add(key);
    let entry = this.entries.get(key);
    if (entry) this.entries.delete(key);
    else {
      entry = unseenEntry();
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
  const acknowledgedId = latest((entry) => entry.acknowledgedId);
  // A node the terminal no longer polls keeps counting from its old cursor: the node that saw the newest cursor counts right.
  const counting = entries.filter((entry) => entry.acknowledgedId === acknowledgedId);
  const since = counting.reduce<number | undefined>(
    (oldest, entry) => (entry.unacknowledgedSince === undefined ? oldest : Math.min(oldest ?? entry.unacknowledgedSince, entry.unacknowledgedSince)),
    undefined,
  );
  return {
    heldPolls: entries.reduce((sum, entry) => sum + entry.heldPolls, 0),
    lastPollAt,
    lastPingAt: latest((entry) => entry.lastPingAt),
    lastPongAt: latest((entry) => entry.lastPongAt),
    clientAddress: entries.find((entry) => entry.lastPollAt === lastPollAt && entry.clientAddress !== undefined)?.clientAddress,
    deliveredId: latest((entry) => entry.deliveredId),
    acknowledgedId,
    unacknowledged: Math.max(0, ...counting.map((entry) => entry.unacknowledged)),
    unacknowledgedSince: since,
  };
}

/** Terminals behind, and the age of the oldest unacknowledged notification of the terminals that polled within the last hour. */
export interface Lag {
  behind: number;
  /** 0 when there is none. */
  oldestUnacknowledgedMs: number;
}

export function lagOf(entries: Iterable<PresenceEntry>, now: number, behindAfterMs: number): Lag {
  let behind = 0;
  let oldestUnacknowledgedMs = 0;
  for (const entry of entries) {
    if (entry.unacknowledgedSince === undefined || !pollsStill(entry, now)) continue;
    if (isBehind(entry, now, behindAfterMs)) behind += 1;
    oldestUnacknowledgedMs = Math.max(oldestUnacknowledgedMs, now - entry.unacknowledgedSince);
  }
  return { behind, oldestUnacknowledgedMs };
}

function isBehind(entry: PresenceEntry, now: number, behindAfterMs: number): boolean {
  return entry.unacknowledgedSince !== undefined && now - entry.unacknowledgedSince > behindAfterMs && pollsStill(entry, now);
}

function pollsStill(entry: PresenceEntry, now: number): boolean {
  return entry.lastPollAt !== undefined && now - entry.lastPollAt <= PRESENCE_KEPT_MS;
}

/** The entry's figures after its unacknowledged notifications changed. */
function counted(entry: PresenceEntry, unacked: Unacknowledged): void {
  entry.acknowledgedId = unacked.acked;
  entry.unacknowledged = unacked.count;
  entry.unacknowledgedSince = unacked.since;
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

/** A terminal's entry before anything of it is known. */
export function unseenEntry(): PresenceEntry {
  return {
    heldPolls: 0,
    lastPollAt: undefined,
    lastPingAt: undefined,
    lastPongAt: undefined,
    clientAddress: undefined,
    deliveredId: undefined,
    acknowledgedId: undefined,
    unacknowledged: 0,
    unacknowledgedSince: undefined,
  };
}
