import type { MultiSession, OperatorReads } from "../db/store.ts";
import type { Viewer } from "../http/operator-access.ts";
import { sharedFor } from "../shared-read.ts";
import { type ListPage, type ListQuery, pageOf } from "./listing.ts";
import type { TerminalPresence } from "./presence.ts";
import { type Problems, problemsOf, REFUSED_EDITS_WINDOW_MS, type TerminalStatus } from "./problems.ts";
import { clusterPresenceOfAll, type OtherNodesPresence, otherNodesPresence, PRESENCE_WRITE_MS } from "./shared-presence.ts";
import { type TerminalView, terminalViews, type ViewDeps } from "./views.ts";

/**
 * The console's two lists (docs/console.md): the databases, and a database's multi-sessions, each
 * searched, sorted (problems first) and paged. Every database's summary comes from a fixed number
 * of aggregate reads, whatever the number of databases.
 */

export interface DatabaseSummary {
  dbname: string;
  multiSessions: number;
  /** Registered by sync_all or seen polling. */
  terminals: number;
  /** Online or waiting: polling now. */
  online: number;
  problems: Problems;
  /** The latest poll of any of its terminals, as the cluster saw it; null when none was seen since the nodes started. */
  lastActivityAt: number | null;
}

export interface SessionSummary {
  multiSessionId: number;
  runId: number;
  orderId: number;
  terminals: TerminalView[];
  online: number;
  problems: Problems;
  lastActivityAt: number | null;
}

export interface DatabaseLists {
  /** Every database the viewer may see (a shop key: its own), in no particular order. */
  summaries(viewer: Viewer): Promise<DatabaseSummary[]>;
  /** GET /console/api/databases */
  databases(viewer: Viewer, query: ListQuery): Promise<ListPage<DatabaseSummary>>;
  /** GET /console/api/databases/<dbname>: its summary, a page of its multi-sessions, and the terminals in none. */
  sessions(dbname: string, query: ListQuery): Promise<ListPage<SessionSummary> & { dbname: string; summary: DatabaseSummary; unregistered: TerminalView[] }>;
}

/**
 * Which databases, multi-sessions and terminals exist changes seldom (a new terminal's sync_all or
 * first poll); how the terminals are changes all the time. The first is read at most this often
 * for the list of every database; presence and refused edits are read for every request.
 */
export const REGISTRY_READ_MS = 5000;

export function databaseLists(deps: ViewDeps): DatabaseLists {
  const registry = sharedFor(REGISTRY_READ_MS, () => readRegistry(deps.store));
  // The other nodes write their presence this often: reading it more often shows nothing newer.
  const others = sharedFor(PRESENCE_WRITE_MS, () => otherNodesPresence(deps.store, deps.monitor));
  // The page asks for the overview and the list together: one read of every database serves both.
  let reading: Promise<DatabaseSummary[]> | undefined;
  const everyDatabase = () => (reading ??= summariesOfAll(deps, registry, others).finally(() => (reading = undefined)));
  const summaries = async (viewer: Viewer) => (viewer.role === "admin" ? everyDatabase() : [(await oneDatabase(deps, viewer.dbname)).summary]);
  return {
    summaries,
    async databases(viewer, query) {
      return pageOf(await summaries(viewer), query, (db) => ({
        name: db.dbname,
        problems: db.problems.count,
        lastActivityAt: db.lastActivityAt,
        text: [db.dbname],
      }));
    },
    async sessions(dbname, query) {
      const { summary, sessions, unregistered } = await oneDatabase(deps, dbname);
      const page = pageOf(sessions, query, (session) => ({
        name: session.multiSessionId,
        problems: session.problems.count,
        lastActivityAt: session.lastActivityAt,
        text: [String(session.multiSessionId), ...session.terminals.map((terminal) => terminal.posId)],
      }));
      return { dbname, summary, ...page, unregistered };
    },
  };
}

/** What a summary counts of a terminal: its state and problems now, and its last poll. */
type CountedTerminal = TerminalStatus & Pick<TerminalPresence, "lastPollAt">;

/** Every database with a multi-session or a terminal seen polling: how many multi-sessions, which terminals. */
type Registry = Map<string, { multiSessions: number; posIds: readonly string[] }>;

async function readRegistry(store: OperatorReads): Promise<Registry> {
  const [sessionCounts, terminals] = await Promise.all([store.multiSessionCounts(), store.knownTerminalsOfAll()]);
  const databases = new Map<string, { multiSessions: number; posIds: string[] }>();
  const database = (dbname: string) => {
    let found = databases.get(dbname);
    if (!found) databases.set(dbname, (found = { multiSessions: 0, posIds: [] }));
    return found;
  };
  for (const row of sessionCounts) database(row.dbname).multiSessions = row.multiSessions;
  for (const row of terminals) database(row.dbname).posIds.push(row.posId);
  return databases;
}

/**
 * Every database's summary from a fixed number of reads, whatever the number of databases: the
 * registry, refused edits counted per multi-session, the other nodes' presence rows; this node's
 * presence is in memory.
 */
async function summariesOfAll(
  { store, monitor }: ViewDeps,
  registry: () => Promise<Registry>,
  others: () => Promise<OtherNodesPresence | undefined>,
): Promise<DatabaseSummary[]> {
  const [databases, refused, othersSeen] = await Promise.all([registry(), store.refusedEditCounts(Date.now() - REFUSED_EDITS_WINDOW_MS), others()]);
  const presence = clusterPresenceOfAll(monitor, othersSeen);
  const refusedOf = new Map<string, number>();
  for (const row of refused) refusedOf.set(row.dbname, (refusedOf.get(row.dbname) ?? 0) + row.count);
  const unseen = monitor.presence.view(undefined);
  const summaries: DatabaseSummary[] = [];
  for (const [dbname, db] of databases) {
    const seen = presence.get(dbname);
    const counted: CountedTerminal[] = db.posIds.map((posId) => seen?.get(posId) ?? unseen);
    // As on the database's page: a terminal some node saw polling counts before the store remembers it.
    if (seen && seen.size > 0) {
      const known = new Set(db.posIds);
      for (const [posId, terminal] of seen) if (!known.has(posId)) counted.push(terminal);
    }
    summaries.push(summaryOf(dbname, db.multiSessions, counted, refusedOf.get(dbname) ?? 0));
  }
  return summaries;
}

/** One database, read as its own page reads it. */
async function oneDatabase(deps: ViewDeps, dbname: string) {
  const [sessions, terminals, refused] = await Promise.all([
    deps.store.multiSessionsOf(dbname),
    terminalViews(deps, dbname),
    deps.store.refusedEditCounts(Date.now() - REFUSED_EDITS_WINDOW_MS, dbname),
  ]);
  const bySession = new Map<number | null, TerminalView[]>();
  for (const terminal of terminals) {
    const listed = bySession.get(terminal.multiSessionId);
    if (listed) listed.push(terminal);
    else bySession.set(terminal.multiSessionId, [terminal]);
  }
  const refusedBySession = new Map(refused.map((row) => [row.multiSessionId, row.count]));
  return {
    summary: summaryOf(
      dbname,
      sessions.length,
      terminals,
      refused.reduce((sum, row) => sum + row.count, 0),
    ),
    sessions: sessions.map((session) =>
      sessionSummary(session, bySession.get(session.multiSessionId) ?? [], refusedBySession.get(session.multiSessionId) ?? 0),
    ),
    unregistered: bySession.get(null) ?? [],
  };
}

function summaryOf(dbname: string, multiSessions: number, terminals: readonly CountedTerminal[], refusedLastHour: number): DatabaseSummary {
  return {
    dbname,
    multiSessions,
    terminals: terminals.length,
    online: terminals.filter(isPolling).length,
    problems: problemsOf(terminals, refusedLastHour),
    lastActivityAt: latestPoll(terminals),
  };
}

function sessionSummary(session: MultiSession, terminals: TerminalView[], refusedLastHour: number): SessionSummary {
  return {
    multiSessionId: session.multiSessionId,
    runId: session.runId,
    orderId: session.orderId,
    terminals,
    online: terminals.filter(isPolling).length,
    problems: problemsOf(terminals, refusedLastHour),
    lastActivityAt: latestPoll(terminals),
  };
}

function isPolling(terminal: TerminalStatus): boolean {
  return terminal.state === "online" || terminal.state === "waiting";
}

function latestPoll(terminals: readonly CountedTerminal[]): number | null {
  let latest: number | null = null;
  for (const { lastPollAt } of terminals) if (lastPollAt !== null && (latest === null || lastPollAt > latest)) latest = lastPollAt;
  return latest;
}
