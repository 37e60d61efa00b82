import { type Logger, pino } from "pino";

export type { Logger };

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

/** Structured JSON lines on stdout. Keys are never logged: requests are logged without headers. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: "pos-sync" } });
}
