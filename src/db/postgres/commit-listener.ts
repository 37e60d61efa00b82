import pg from "pg";
import type { CommitWatcher, Notification } from "../contracts/notification-log.ts";

export interface ListenerLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/**
 * LISTENs on one connection of its own (a pooled one would be handed to requests). A NOTIFY
 * payload is "<node>:<dbname>:<last id>": every id of that database up to it is committed. A
 * node skips its own (it learns of those on commit). When the connection drops it reconnects with backoff and then
 * tells the watcher to read the latest id again, since NOTIFYs sent meanwhile are gone.
 * PostgreSQL limits a payload to 8000 bytes; this one is always under 130 (a database name is at
 * most 63 characters), however many channels a commit wrote: it says "read everything of this
 * database up to this id", never which channels.
 */
export class CommitListener {
  private client: pg.Client | undefined;
  private up = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly nodeId: string,
    private readonly watcher: CommitWatcher,
    private readonly log: ListenerLog,
    private readonly forgetSignals?: ForgetSignals,
  ) {}

  get listening(): boolean {
    return this.up;
  }

  /** Resolves once listening, or after the first failed attempt (it goes on retrying). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = new pg.Client(this.config);
    this.client = client;
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      this.up = false;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ err: error }, "LISTEN connection lost; reconnecting");
      this.scheduleReconnect();
    };
    client.on("error", drop);
    client.on("end", () => drop());
    client.on("notification", (message) => this.heard(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.stopped) return void client.end().catch(() => undefined);
    this.up = true;
    this.backoffMs = 0;
    if (isReconnect) this.log.info({}, "LISTEN connection back");
    // Also the first time: commits made before LISTEN took effect had no one to wake here.
    this.watcher.reconnected();
  }

  private scheduleReconnect(): void {
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5000);
    this.retryTimer = setTimeout(() => void this.connect(true), this.backoffMs);
    this.retryTimer.unref();
  }

  /**
   * "<node>:<dbname>:<last id>[:<rows as JSON>]" (queries.ts, NOTIFY_AND_ANSWER), or a cluster
   * signal. The node id (a UUID) has no ":", and a database name none either (DBNAME_PATTERN).
   */
  private heard(payload: string | undefined): void {
    const signal = payload && CLUSTER_SIGNAL.exec(payload);
    if (signal) {
      this.signalled(signal);
      return;
    }
    const commit = payload ? COMMIT.exec(payload) : null;
    if (!commit) {
      this.watcher.reconnected();
      return;
    }
    const [, node, scope, last, rowsJson] = commit;
    if (node === this.nodeId) return;
    const lastId = Number(last);
    if (!Number.isSafeInteger(lastId)) {
      this.watcher.reconnected();
      return;
    }
    this.watcher.committed(scope!, lastId, rowsJson === undefined ? undefined : rowsOf(rowsJson, lastId));
  }

  /** "<node>:!forget:<n>" from a node that deleted notifications (its n-th deletion); "<node>:!forgot:<to node>:<n>" the answer. */
  private signalled([, from, kind, to, n]: RegExpExecArray): void {
    const deletion = Number(n);
    if (from === this.nodeId) return;
    if (kind === "forget") this.forgetSignals?.forget(from!, deletion);
    else if (to === this.nodeId) this.forgetSignals?.forgot(from!, deletion);
  }
}

const COMMIT = /^([^:]+):([^:]*):(\d{1,16})(?::(.*))?$/s;

/** A commit's rows from its payload, or undefined when they do not read as that commit's (then they are read from the table). */
function rowsOf(json: string, lastId: number): Notification[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const rows: Notification[] = [];
  for (const row of parsed) {
    if (!Array.isArray(row) || typeof row[0] !== "number" || typeof row[1] !== "string" || typeof row[2] !== "string") return undefined;
    rows.push({ id: row[0], channel: row[1], message: row[2] });
  }
  return rows[rows.length - 1]!.id === lastId ? rows : undefined;
}

/** "!" is in no database name (DBNAME_PATTERN), so a signal never reads as "<node>:<dbname>:<id>". */
const CLUSTER_SIGNAL = /^([^:]+):!(forget|forgot):(?:([^:]+):)?(\d{1,16})$/;

/** What the store does with the forget signals the listener hears. */
export interface ForgetSignals {
  /** `node` made its `deletion`-th deletion of notifications. */
  forget(node: string, deletion: number): void;
  /** `node` has forgotten what this node's `deletion`-th deletion deleted. */
  forgot(node: string, deletion: number): void;
}
