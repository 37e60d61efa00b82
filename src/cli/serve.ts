import { ConfigError, loadConfig, type Config } from "../config.ts";
import { createLogger } from "../log.ts";
import { startServer } from "../server.ts";
import { keyFileWarning } from "./key-file-permissions.ts";
import { explainStartupError } from "./startup-errors.ts";

/**
 * Runs the server until SIGTERM or SIGINT: stops accepting, answers held polls with [], closes
 * the database and exits 0 (1 if that takes over 5 s). Returns only to report a failed start.
 */
export async function serve(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env, argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pos-sync: ${error.message}\n`);
    return 2;
  }
  const log = createLogger(config.logLevel);
  const keyWarning = keyFileWarning(config.keyFile);
  if (keyWarning) log.warn(keyWarning);
  // Handlers first: a signal that comes while the server starts still shuts it down cleanly.
  // Aborted by a signal that comes while the node waits for its database.
  const waiting = new AbortController();
  const starting = startServer(config, { log, signal: waiting.signal });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const deadline = setTimeout(() => process.exit(1), 5000);
    deadline.unref();
    waiting.abort();
    starting.then(
      (server) =>
        server.close(4000).then(
          () => process.exit(0),
          (error: unknown) => {
            log.error({ err: error }, "shutdown failed");
            process.exit(1);
          },
        ),
      () => waiting.signal.aborted && process.exit(0), // other failed starts are reported below
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    await starting;
  } catch (error) {
    if (waiting.signal.aborted) return new Promise<number>(() => {}); // the stop above exits
    const explained = explainStartupError(error, config);
    process.stderr.write(`pos-sync: cannot start: ${explained ?? (error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
  return new Promise<number>(() => {}); // runs until a signal ends the process
}
