/**
 * Our server as a benchmark target: `node dist/main.js` on a temp database (an SQLite file, or
 * a PostgreSQL database of its own); with two nodes the publisher talks to node 1 and the
 * terminals poll node 2, whose process is the one measured.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, waitReady, type Child } from "./child.ts";
import { createBenchDatabase, dropBenchDatabase } from "./pg.ts";
import { keepAliveAgent, rpc, send } from "./http.ts";
import { idleStream, streamAgent, streamSubscriber } from "./sse.ts";
import { freePort } from "./proc.ts";
import type { TargetName } from "./results.ts";
import type { BenchData, StartOptions, Subscriber, Target, Terminal } from "./target.ts";

const DB = "bench";
const USER = 1;
/** The publisher is not a registered terminal; its session id keeps it apart from them. */
const PUBLISHER_SESSION = 999_999;
const IDLE_BASE = 1_000_000;

interface Notification {
  id: number;
  channel: string;
  message: { action?: string; data?: BenchData } | string;
}

/** `repoRoot`: the checkout whose dist/ is run (this one, or another build's with --build). */
export async function startOurs(repoRoot: string, options: StartOptions, name: TargetName = "ours"): Promise<Target> {
  const main = join(repoRoot, "dist", "main.js");
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(join(tmpdir(), "pos-sync-bench-"));
  const db = options.store === "postgres" ? await createBenchDatabase(options.pgSettings) : join(dir, "bench.sqlite");
  const fds = options.maxPolls + 4096;
  const nodeArgs = [...(options.nodeFlags ?? []), "dist/main.js"].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  // exec keeps the pid: the shell becomes node, so /proc/<pid> is the server.
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); [ "$(ulimit -n)" -ge ${fds} ] || echo "warning: fd limit $(ulimit -n) < ${fds}" >&2; exec '${process.execPath}' ${nodeArgs}`;
  const nodes: WireNode[] = [];
  for (let node = 0; node < (options.nodes ?? 1); node++) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      POS_SYNC_HOST: "127.0.0.1",
      POS_SYNC_PORT: String(port),
      POS_SYNC_DB: db,
      POS_SYNC_LOG_LEVEL: "warn",
      POS_SYNC_POLL_TIMEOUT: String(options.pollTimeout),
      // One load generator holds every poll from 127.0.0.1: lift the per-client limit.
      POS_SYNC_MAX_POLLS_PER_CLIENT: String(options.maxPolls + 1000),
      ...options.env,
    };
    nodes.push({ child: startChild("sh", ["-c", script], { cwd: repoRoot, env }), port });
  }
  const stopServer = async () => {
    for (const { child } of nodes) {
      const code = await child.stop();
      if (code !== 0) process.stderr.write(`pos-sync server exited with ${code}:\n${child.tail()}\n`);
    }
    rmSync(dir, { recursive: true, force: true });
    if (options.store === "postgres") await dropBenchDatabase(db);
  };
  return posSyncWire(name, nodes, options, stopServer);
}

/** A server process of a target and its port. */
export interface WireNode {
  child: Child;
  port: number;
}

/**
 * A target that speaks pos-sync's wire (ours, and the Node floor): terminals register with
 * sync_all and long-poll their pos.multi_session channel; one update request per broadcast.
 * With several nodes, publishes go to the first and polls to the last, whose process is measured.
 */
export async function posSyncWire(name: TargetName, nodes: WireNode[], options: StartOptions, stopServer: () => Promise<void>): Promise<Target> {
  const pub = keepAliveAgent(options.maxPublish);
  const sub = keepAliveAgent(options.maxPolls + 16);
  const streams = streamAgent();
  const streamPath = (channels: string[], last: string | number) => `/longpolling/stream?channels=${encodeURIComponent(JSON.stringify(channels))}&last=${last}`;
  try {
    for (const node of nodes) {
      await waitReady(node.child, async () => (await send({ agent: pub, port: node.port, method: "GET", path: "/healthz" })).status === 200, `${name} server`);
    }
  } catch (error) {
    pub.destroy();
    sub.destroy();
    await stopServer();
    throw error;
  }
  const pubPort = nodes[0]!.port;
  const { child, port } = nodes[nodes.length - 1]!;

  const channel = (name: string, posId: number) => JSON.stringify([DB, name, String(posId)]);

  return {
    name,
    pid: child.pid,
    pids: nodes.map((node) => node.child.pid),
    port,
    publishMode: "one /pos_multi_session_sync/update per broadcast (server fans out to the session's terminals)",
    async register(terminals: Terminal[]) {
      for (const terminal of terminals) {
        await rpc(pub, pubPort, "/pos_multi_session_sync/update", {
          multi_session_id: terminal.session,
          dbname: DB,
          user_ID: USER,
          message: {
            action: "sync_all",
            data: { pos_id: terminal.id, run_ID: 1 },
            session_id: terminal.id,
            login_number: 1,
            immediate_rerendering: true,
          },
        });
      }
    },
    subscriber(terminal: Terminal): Subscriber {
      const channels = [channel("pos.multi_session", terminal.id)];
      if (options.transport === "stream")
        return streamSubscriber(
          streams,
          port,
          (lastId) => ({ path: streamPath(channels, lastId ?? 0) }),
          (data) => {
            const m = (JSON.parse(data) as Notification).message;
            return typeof m === "object" && m.action === "bench" && m.data ? m.data : undefined;
          },
        );
      let last = 0;
      return {
        async poll(signal, onSent) {
          const result = (await rpc(sub, port, "/longpolling/poll", { channels, last, options: {} }, signal, onSent)) as Notification[];
          const out: BenchData[] = [];
          for (const n of result) {
            if (n.id > last) last = n.id;
            const m = n.message;
            if (typeof m === "object" && m.action === "bench" && m.data) out.push(m.data);
          }
          return out;
        },
      };
    },
    async warmPublishers(n) {
      await Promise.all(Array.from({ length: n }, () => send({ agent: pub, port: pubPort, method: "GET", path: "/healthz" })));
    },
    async publish(session, _terminals, data) {
      const result = await rpc(pub, pubPort, "/pos_multi_session_sync/update", {
        multi_session_id: session,
        dbname: DB,
        user_ID: USER,
        message: { action: "bench", data, session_id: PUBLISHER_SESSION, login_number: 1 },
      });
      if (result !== 1) throw new Error(`broadcast answered ${JSON.stringify(result)}`);
    },
    async idlePoll(i, signal, onSent) {
      if (options.transport === "stream") return idleStream(streams, port, streamPath([channel("pos.longpolling", IDLE_BASE + i)], 0), signal, onSent);
      const params = { channels: [channel("pos.longpolling", IDLE_BASE + i)], last: 0, options: {} };
      return ((await rpc(sub, port, "/longpolling/poll", params, signal, onSent)) as unknown[]).length;
    },
    async probeIdle(i) {
      await rpc(pub, pubPort, "/pos_longpolling/update", { message: "PING", pos_id: IDLE_BASE + i, db_name: DB });
    },
    async stop() {
      sub.destroy();
      pub.destroy();
      streams.destroy();
      await stopServer();
    },
  };
}
