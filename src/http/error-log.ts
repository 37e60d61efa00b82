import { AccessDeniedError, type PosSyncError } from "../errors.ts";
import type { Logger } from "../log.ts";

export interface ErrorLogOptions {
  /** Lines written per window; past it they are only counted. */
  maxLines: number;
  windowMs: number;
}

/** At most 20 lines per 10 s (about 170,000 a day, some 40 MB at worst), then one summary per window. */
const DEFAULTS: ErrorLogOptions = { maxLines: 20, windowMs: 10_000 };

export interface RpcErrorEntry {
  route: string;
  database: string | undefined;
  clientAddress: string;
  exceptionType: string;
  reason: string;
}

/**
 * One info line per refused access or application error, rate-limited so a flood cannot fill
 * the disk: past `maxLines` in a window, lines are counted and one summary line says how many.
 */
export class ErrorLog {
  private windowEnds = 0;
  private written = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly options: ErrorLogOptions = DEFAULTS,
  ) {}

  /** The hook where application errors become replies: route, database, reason, client address; never the key. */
  record(route: string, params: unknown, clientAddress: string, error: PosSyncError): void {
    if (!this.log.isLevelEnabled("info")) return;
    const entry: RpcErrorEntry = { route, database: databaseOf(params), clientAddress, exceptionType: error.exceptionType, reason: error.message };
    const accessRefused = error instanceof AccessDeniedError;
    const now = Date.now();
    if (now >= this.windowEnds) this.startWindow(now);
    if (this.written < this.options.maxLines) {
      this.written += 1;
      this.log.info(entry, accessRefused ? "access refused" : "application error");
      return;
    }
    this.suppressed += 1;
    // The summary comes when the window closes, not only when the next error arrives.
    if (this.suppressed === 1) this.summaryWhenWindowEnds(now);
  }

  /** A timer may fire a millisecond before Date.now() reaches the window's end: it then waits again. */
  private summaryWhenWindowEnds(now: number): void {
    setTimeout(() => {
      const at = Date.now();
      if (at >= this.windowEnds) this.startWindow(at);
      else this.summaryWhenWindowEnds(at);
    }, this.windowEnds - now).unref();
  }

  private startWindow(now: number): void {
    if (this.suppressed > 0) {
      this.log.info({ suppressed: this.suppressed, windowMs: this.options.windowMs }, "more refused accesses and application errors not logged (rate limit)");
      this.suppressed = 0;
    }
    this.windowEnds = now + this.options.windowMs;
    this.written = 0;
  }
}

export function createErrorLog(log: Logger, options?: Partial<ErrorLogOptions>): ErrorLog {
  return new ErrorLog(log, { ...DEFAULTS, ...options });
}

/** The database a call is about: `dbname`/`db_name`, or that of its first channel ('["shop1","pos.longpolling","7"]'). */
export function databaseOf(params: unknown): string | undefined {
  if (typeof params !== "object" || params === null) return undefined;
  const { dbname, db_name: dbName, channel, channels } = params as Record<string, unknown>;
  if (typeof dbname === "string") return dbname;
  if (typeof dbName === "string") return dbName;
  const first = typeof channel === "string" ? channel : Array.isArray(channels) ? channels[0] : undefined;
  if (typeof first !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(first);
    return Array.isArray(parsed) && typeof parsed[0] === "string" ? parsed[0] : undefined;
  } catch {
    return undefined;
  }
}
