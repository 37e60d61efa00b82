#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { startServer } from "./server.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`pos-sync: ${error.message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  // Handlers first: a signal that comes while the server starts still shuts it down cleanly.
  const starting = startServer(config, { log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const deadline = setTimeout(() => process.exit(1), 5000);
    deadline.unref();
    starting
      .then((server) => server.close(4000))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  await starting;
}

main().catch((error: unknown) => {
  process.stderr.write(`pos-sync: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
