import { pino, type Logger } from "pino";
import type { Config } from "./config.ts";

export type { Logger };

/** Structured JSON lines on stdout. Keys are never logged: requests are logged without headers. */
export function createLogger(level: Config["logLevel"]): Logger {
  return pino({ level, base: { service: "pos-sync" } });
}
