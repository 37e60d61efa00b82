import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { withBooleanFlagValues } from "./boolean-flags.ts";
import { DBNAME_PATTERN } from "./protocol/channels.ts";

const booleanFlag = z
  .union([z.boolean(), z.enum(["0", "1", "true", "false", "yes", "no", "on", "off"])])
  .transform((value) => value === true || value === "1" || value === "true" || value === "yes" || value === "on");

const seconds = z.coerce.number().positive().finite();

/** "*" or an origin as a browser sends it: scheme://host[:port], no path, no trailing slash. */
const corsOrigin = z.string().refine((value) => value === "*" || isOrigin(value), {
  error: (issue) => `"${String(issue.input)}" is not an origin (expected * or scheme://host[:port], e.g. https://pos.example.com)`,
});

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

/** Keys travel in URL paths (/k/<key>/...), so they keep to URL-safe characters. */
const key = z.string().regex(/^[A-Za-z0-9._~-]{8,200}$/, "a key is 8-200 characters of A-Z a-z 0-9 . _ ~ -");
const keyMap = z.record(z.string().regex(DBNAME_PATTERN, "a key's database name must be a valid database name"), key);

/** POS_SYNC_KEY_FILE: {"databases": {"<dbname>": "<key>", ...}, "backend": "<key>"} */
const keyFileSchema = z.object({ databases: keyMap.optional().default({}), backend: key.optional() }).strict();

/** The settings as given (environment units: seconds for durations), one field per setting. */
export const settingsSchema = z.object({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.coerce.number().int().min(0).max(65535).default(8079),
  db: z.string().min(1).default("./data/pos-sync.sqlite"),
  /** normal: a commit survives the process being killed; full: also a power cut (an fsync per commit; cost in docs/performance.md). */
  dbSynchronous: z.enum(["normal", "full"]).default("normal"),
  /** Seconds a poll is held (and how far back a poll with last=0 looks). */
  pollTimeout: seconds.default(50),
  /** Seconds notifications are kept at least. */
  retention: seconds.default(600),
  /** Seconds between retention clean-ups. */
  gcInterval: seconds.default(60),
  bodyLimit: z.coerce.number().int().positive().default(1_048_576),
  corsOrigins: z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      Array.isArray(value)
        ? value
        : value
            .split(",")
            .map((origin) => origin.trim())
            .filter(Boolean),
    )
    .pipe(z.array(corsOrigin))
    .default(["*"]),
  testFeatures: booleanFlag.default(false),
  slowDelayMs: z.coerce.number().int().min(0).default(3000),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Keyed mode: database name -> key. Empty means open mode. */
  keys: z
    .union([z.string(), keyMap])
    .transform((value, ctx) => (typeof value === "string" ? parseKeyList(value, ctx) : value))
    .pipe(keyMap)
    .default({}),
  keyFile: z.string().min(1).optional(),
  backendKey: key.optional(),
  /** Opens the operator routes (console, metrics, fault rules) as a bearer token; without it they answer on loopback only. */
  adminKey: key.optional(),
  maxChannelsPerPoll: z.coerce.number().int().positive().default(100),
  maxPollsPerClient: z.coerce.number().int().positive().default(256),
  /** Seconds a terminal may leave a notification unacknowledged (its next poll's `last`) before the console calls it behind. */
  behindAfter: seconds.default(10),
  /** Seconds between the comment lines that keep an idle stream (/longpolling/stream) open through proxies. */
  streamHeartbeat: seconds.max(25).default(20),
  /** Merge a stale update_order with what others changed since its revision, when they touched other lines. */
  merge: booleanFlag.default(false),
  /** Connections each node keeps to PostgreSQL (plus one of its own for LISTEN). */
  pgPoolSize: z.coerce.number().int().positive().default(10),
  /** A statement (or the wait for a pooled connection) taking longer fails the request. */
  pgStatementTimeoutMs: z.coerce.number().int().positive().default(5000),
});

/** Inside the code every duration is in milliseconds: the seconds of the settings become `...Ms` fields. */
const configSchema = settingsSchema.transform(({ pollTimeout, retention, gcInterval, streamHeartbeat, behindAfter, ...rest }) => ({
  ...rest,
  behindAfterMs: behindAfter * 1000,
  streamHeartbeatMs: streamHeartbeat * 1000,
  pollTimeoutMs: pollTimeout * 1000,
  retentionMs: retention * 1000,
  gcIntervalMs: gcInterval * 1000,
}));

export type ConfigInput = z.input<typeof settingsSchema>;
export type Config = z.output<typeof configSchema>;

/** Environment variable and command-line flag of each setting. */
export const settingSources = {
  host: ["POS_SYNC_HOST", "host"],
  port: ["POS_SYNC_PORT", "port"],
  db: ["POS_SYNC_DB", "db"],
  dbSynchronous: ["POS_SYNC_DB_SYNCHRONOUS", "db-synchronous"],
  pollTimeout: ["POS_SYNC_POLL_TIMEOUT", "poll-timeout"],
  retention: ["POS_SYNC_RETENTION", "retention"],
  gcInterval: ["POS_SYNC_GC_INTERVAL", "gc-interval"],
  bodyLimit: ["POS_SYNC_BODY_LIMIT", "body-limit"],
  corsOrigins: ["POS_SYNC_CORS_ORIGINS", "cors-origins"],
  testFeatures: ["POS_SYNC_TEST_FEATURES", "test-features"],
  slowDelayMs: ["POS_SYNC_SLOW_DELAY_MS", "slow-delay-ms"],
  logLevel: ["POS_SYNC_LOG_LEVEL", "log-level"],
  keys: ["POS_SYNC_KEYS", "keys"],
  keyFile: ["POS_SYNC_KEY_FILE", "key-file"],
  backendKey: ["POS_SYNC_BACKEND_KEY", "backend-key"],
  adminKey: ["POS_SYNC_ADMIN_KEY", "admin-key"],
  maxChannelsPerPoll: ["POS_SYNC_MAX_CHANNELS_PER_POLL", "max-channels-per-poll"],
  maxPollsPerClient: ["POS_SYNC_MAX_POLLS_PER_CLIENT", "max-polls-per-client"],
  behindAfter: ["POS_SYNC_BEHIND_AFTER", "behind-after"],
  streamHeartbeat: ["POS_SYNC_STREAM_HEARTBEAT", "stream-heartbeat"],
  merge: ["POS_SYNC_MERGE", "merge"],
  pgPoolSize: ["POS_SYNC_PG_POOL_SIZE", "pg-pool-size"],
  pgStatementTimeoutMs: ["POS_SYNC_PG_STATEMENT_TIMEOUT_MS", "pg-statement-timeout-ms"],
} as const satisfies Record<keyof ConfigInput, readonly [string, string]>;

type SettingName = keyof typeof settingSources;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Flags of settings that are on or off: given without a value, they mean on. */
const booleanFlags = [settingSources.testFeatures[1], settingSources.merge[1]];

/** Reads every setting from flags first, then environment variables, then defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv.slice(2)): Config {
  const flagOptions = Object.fromEntries(Object.values(settingSources).map(([, flag]) => [flag, { type: "string" as const }]));
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: withBooleanFlagValues(argv, booleanFlags), options: flagOptions, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(`invalid command line: ${(error as Error).message}`);
  }
  const raw: Record<string, unknown> = {};
  for (const [name, [envName, flag]] of Object.entries(settingSources)) {
    const value = flags[flag] ?? env[envName];
    if (value !== undefined && value !== "") raw[name] = value;
  }
  return parseConfig(raw);
}

export function parseConfig(input: ConfigInput | Record<string, unknown>): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data.keyFile ? withKeyFile(result.data, result.data.keyFile) : result.data;
  const problems = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "") as SettingName;
    const source = settingSources[name];
    const label = source ? `${source[0]} (--${source[1]})` : name;
    return `${label}: ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

/** "db1:key1,db2:key2" -> { db1: "key1", db2: "key2" } */
function parseKeyList(value: string, ctx: z.RefinementCtx): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(":");
    if (separator <= 0 || separator === entry.length - 1) {
      ctx.addIssue({ code: "custom", message: "expected a comma-separated list of dbname:key pairs" });
      return {};
    }
    keys[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return keys;
}

/** Keys from the key file; those set by POS_SYNC_KEYS and POS_SYNC_BACKEND_KEY win. */
function withKeyFile(config: Config, path: string): Config {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: POS_SYNC_KEY_FILE (--key-file): cannot read ${path} as JSON (${(error as NodeJS.ErrnoException).code ?? "bad JSON"})`,
    );
  }
  const file = keyFileSchema.safeParse(parsed);
  if (!file.success) {
    const problems = file.error.issues.map((issue) => `${issue.path.join(".") || "file"}: ${issue.message}`).join("; ");
    throw new ConfigError(`invalid configuration: POS_SYNC_KEY_FILE (--key-file) ${path}: ${problems}`);
  }
  return { ...config, keys: { ...file.data.databases, ...config.keys }, backendKey: config.backendKey ?? file.data.backend };
}
