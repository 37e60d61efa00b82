import type { Clock } from "../bus/bus.ts";
import type { SyncOutcome } from "../metrics/metrics.ts";
import type { UpdateRequest } from "../protocol/messages.ts";

/** What happened to one /pos_multi_session_sync/update request, for the session's timeline. */
export interface TimelineEvent {
  /** Increasing over the whole process: the cursor of GET .../timeline?after=. */
  seq: number;
  at: number;
  /** update_order, remove_order, sync_all, or the broadcast action's name. */
  action: string;
  /** updated, removed, conflict (revision_error), retry (nonce recognised), sync_all, broadcast. */
  outcome: "updated" | "removed" | "conflict" | "retry" | "sync_all" | "broadcast";
  uid: string | null;
  /** The revision the update produced, or the one the refused request claimed. */
  revision: number | null;
  posId: number | null;
  userId: number;
}

export interface OrderChange {
  at: number;
  posId: number | null;
  userId: number;
}

interface SessionActivity {
  events: TimelineEvent[];
  lastChanges: Map<string, OrderChange>;
}

const EVENTS_PER_SESSION = 200;
const ORDERS_PER_SESSION = 5000;
const MAX_SESSIONS = 2000;
const MAX_TEXT = 80;

/**
 * The recent updates of each multi-session, as this node applied them, kept in memory: the
 * console's live timeline, and when and by which terminal an open order last changed (the
 * orders table keeps neither). Bounded per session and in sessions.
 */
export class Activity {
  private readonly sessions = new Map<string, SessionActivity>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  /** Records an applied request; returns what the metrics count of it. */
  record(request: UpdateRequest, result: unknown): SyncOutcome {
    const { action } = request.message;
    const data = (request.message.data ?? {}) as Record<string, unknown>;
    const reply = (result ?? {}) as Record<string, unknown>;
    const outcome = outcomeOf(action, reply);
    const event: TimelineEvent = {
      seq: ++this.seq,
      at: this.clock.now(),
      action: action.slice(0, MAX_TEXT),
      outcome,
      uid: typeof data.uid === "string" ? data.uid.slice(0, MAX_TEXT) : null,
      revision: numberOrNull(outcome === "updated" ? reply.revision_ID : data.revision_ID),
      posId: numberOrNull(data.pos_id),
      userId: request.user_ID,
    };
    const session = this.session(request.dbname, request.multi_session_id);
    session.events.push(event);
    if (session.events.length > EVENTS_PER_SESSION) session.events.shift();
    if (event.uid && (outcome === "updated" || outcome === "removed")) {
      session.lastChanges.delete(event.uid);
      session.lastChanges.set(event.uid, { at: event.at, posId: event.posId, userId: event.userId });
      if (session.lastChanges.size > ORDERS_PER_SESSION) session.lastChanges.delete(session.lastChanges.keys().next().value!);
    }
    if (outcome === "conflict") return "revision_error";
    if (outcome === "retry") return "nonce_retry";
    if (outcome === "sync_all") return "sync_all";
    return "other";
  }

  /** Events of a session after `afterSeq`, oldest first. */
  timeline(dbname: string, multiSessionId: number, afterSeq = 0): TimelineEvent[] {
    const events = this.sessions.get(sessionKey(dbname, multiSessionId))?.events ?? [];
    return afterSeq > 0 ? events.filter((event) => event.seq > afterSeq) : [...events];
  }

  lastChange(dbname: string, multiSessionId: number, uid: string): OrderChange | undefined {
    return this.sessions.get(sessionKey(dbname, multiSessionId))?.lastChanges.get(uid);
  }

  private session(dbname: string, multiSessionId: number): SessionActivity {
    const key = sessionKey(dbname, multiSessionId);
    let session = this.sessions.get(key);
    if (!session) {
      if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(key, (session = { events: [], lastChanges: new Map() }));
    }
    return session;
  }
}

function outcomeOf(action: string, reply: Record<string, unknown>): TimelineEvent["outcome"] {
  if (reply.action === "revision_error") return "conflict";
  if (action === "update_order") return reply.action === "" ? "retry" : "updated";
  if (action === "remove_order") return "removed";
  if (action === "sync_all") return "sync_all";
  return "broadcast";
}

function numberOrNull(value: unknown): number | null {
  const number = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof number === "number" && Number.isSafeInteger(number) ? number : null;
}

function sessionKey(dbname: string, multiSessionId: number): string {
  return `${dbname}\u0000${multiSessionId}`;
}
