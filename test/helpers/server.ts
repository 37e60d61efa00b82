import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, type Config, type ConfigInput } from "../../src/config.ts";
import { startServer as startRunningServer, type RunningServer, type ServerOptions } from "../../src/server.ts";
import { registerCluster } from "./cluster.ts";
import { tempDb, testStore } from "./test-store.ts";

export interface TestServer extends RunningServer {
  dbPath: string;
  config: Config;
  /** Every node of this server: itself, and on the cluster run a second node on the same database. */
  nodes: readonly RunningServer[];
}

/** The cluster run's second node keeps its port across a restart that keeps the first's (first port -> second port). */
const secondPorts = new Map<number, number>();

const tempDirs: string[] = [];

/** A fresh temporary SQLite file path; removed when the test process exits. */
export function tempDbPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "pos-sync-test-"));
  tempDirs.push(dir);
  return join(dir, "pos-sync.sqlite");
}

process.once("exit", () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * The server fixture of every test: a real server on a random port over a real database of its
 * own (SQLite file, or PostgreSQL when the run's POS_SYNC_TEST_STORE says so; on the cluster run
 * two nodes). Start again with the same `dbPath` (and `port`, to keep the URL) to simulate a
 * restart; `options` also takes what the server itself takes (a logger, a clock...).
 */
export async function startServer(overrides: Partial<ConfigInput> = {}, options: ServerOptions & { dbPath?: string } = {}): Promise<TestServer> {
  const { dbPath: givenDbPath, ...serverOptions } = options;
  const dbPath = givenDbPath ?? (await tempDb());
  const config = parseConfig({ port: 0, pollTimeout: 2, logLevel: "silent", ...overrides, db: dbPath });
  const server = await startRunningServer(config, serverOptions);
  if (testStore !== "cluster") return { ...server, dbPath, config, nodes: [server] };
  // The cluster run: a second node on the same schema; `server` (its url, store, bus, faults) is the first.
  const second = await startRunningServer({ ...config, port: (config.port !== 0 && secondPorts.get(config.port)) || 0 }, serverOptions).catch(
    async (error: unknown) => {
      await server.close();
      throw error;
    },
  );
  secondPorts.set(server.port, second.port);
  const unregister = registerCluster([server.url, second.url]);
  const close = async (graceMs?: number) => {
    unregister();
    await Promise.all([server.close(graceMs), second.close(graceMs)]);
  };
  return { ...server, dbPath, config, nodes: [server, second], close };
}
