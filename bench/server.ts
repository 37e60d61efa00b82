/**
 * Our server as a benchmark target: `node dist/main.js` on a temp database (an SQLite file, or
 * a PostgreSQL database of its own, optionally behind a delaying proxy); with several nodes
 * broadcasts go to every node in turn and terminal i polls node i mod N, as behind a load
 * balancer: most of a session's terminals hear its broadcasts through PostgreSQL.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startChild, waitReady, type Child } from "./child.ts";
import { createBenchDatabase, dropBenchDatabase } from "./pg.ts";
import { keepAliveAgent, rpc, send } from "./http.ts";
import { idleStream, streamAgent, streamSubscriber } from "./sse.ts";
import { freePort } from "./proc.ts";
import type { TargetName } from "./results.ts";
import type { BenchData, StartOptions, Subscriber, Target, Terminal } from "./target.ts";

/** The shops' database names: "bench" for one, bench0..benchN-1 for several, session s in shop s mod N. */
const shopOf = (shops: number, session: number) => (shops > 1 ? `bench${session % shops}` : "bench");
const USER = 1;
/** The publisher is not a registered terminal; its session id keeps it apart from them. */
const PUBLISHER_SESSION = 999_999;
const IDLE_BASE = 1_000_000;
const CONNECT_BASE = 2_000_000;

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
  const proxy =
    options.store === "postgres" && (options.pgDelayMs ?? 0) > 0
      ? await startDelayProxy(db, options.pgDelayMs!).catch(async (error: unknown) => {
          await dropBenchDatabase(db);
          throw error;
        })
      : undefined;
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
      POS_SYNC_DB: proxy?.url ?? db,
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
    await proxy?.child.stop();
    rmSync(dir, { recursive: true, force: true });
    if (options.store === "postgres") await dropBenchDatabase(db);
  };
  return posSyncWire(name, nodes, options, stopServer);
}

/** bench/delay-proxy.ts in front of PostgreSQL: `url` is `db` reached through it. */
async function startDelayProxy(db: string, delayMs: number): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const target = new URL(db);
  // This checkout's proxy, whichever build's server runs behind it.
  const script = fileURLToPath(new URL("./delay-proxy.ts", import.meta.url));
  const child = startChild(process.execPath, ["--import", "tsx", script, String(port), target.hostname, target.port || "5432", String(delayMs)], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    env: process.env,
  });
  await waitReady(child, async () => child.tail().includes("listening"), "delay proxy");
  const url = new URL(db);
  url.host = `127.0.0.1:${port}`;
  return { child, url: url.toString() };
}

/** A server process of a target and its port. */
export interface WireNode {
  child: Child;
  port: number;
}

/**
 * A target that speaks pos-sync's wire (ours, and the Node floor): terminals register with
 * sync_all and long-poll their pos.multi_session channel; one update request per broadcast.
 * With several nodes, publishes go to each in turn, terminal i polls node i mod N; the last node's process is the one whose memory is measured.
 */
export async function posSyncWire(name: TargetName, nodes: WireNode[], options: StartOptions, stopServer: () => Promise<void>): Promise<Target> {
  const pub = keepAliveAgent(options.maxPublish);
  const sub = keepAliveAgent(options.maxPolls + 16);
  // Reconnecting terminals: a new connection each.
  const connecting = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
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
  const { child, port } = nodes[nodes.length - 1]!;
  const shops = options.shops ?? 1;
  const pubPort = nodes[0]!.port;
  let nextPublishNode = 0;
  /** Broadcasts go to every node in turn. */
  const publishPort = () => nodes[nextPublishNode++ % nodes.length]!.port;
  /** Terminal i polls node i mod N. */
  const pollPort = (terminalId: number) => nodes[terminalId % nodes.length]!.port;
  const IDLE_DB = shopOf(1, 0);

  const channel = (db: string, name: string, posId: number) => JSON.stringify([db, name, String(posId)]);
  const registerOne = (terminal: Terminal) =>
    rpc(pub, pubPort, "/pos_multi_session_sync/update", {
      multi_session_id: terminal.session,
      dbname: shopOf(shops, terminal.session),
      user_ID: USER,
      message: {
        action: "sync_all",
        data: { pos_id: terminal.id, run_ID: 1 },
        session_id: terminal.id,
        login_number: 1,
        immediate_rerendering: true,
      },
    });

  return {
    name,
    pid: child.pid,
    pids: nodes.map((node) => node.child.pid),
    port,
    publishMode: "one /pos_multi_session_sync/update per broadcast (server fans out to the session's terminals)",
    /** 16 at a time: one by one, 500 terminals took minutes on a busy machine. */
    async register(terminals: Terminal[]) {
      const queue = [...terminals];
      const worker = async () => {
        for (let terminal = queue.shift(); terminal; terminal = queue.shift()) await registerOne(terminal);
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    },
    subscriber(terminal: Terminal): Subscriber {
      const channels = [channel(shopOf(shops, terminal.session), "pos.multi_session", terminal.id)];
      const terminalPort = pollPort(terminal.id);
      if (options.transport === "stream")
        return streamSubscriber(
          streams,
          terminalPort,
          (lastId) => ({ path: streamPath(channels, lastId ?? 0) }),
          (data) => {
            const m = (JSON.parse(data) as Notification).message;
            return typeof m === "object" && m.action === "bench" && m.data ? m.data : undefined;
          },
        );
      let last = 0;
      return {
        async poll(signal, onSent) {
          const result = (await rpc(sub, terminalPort, "/longpolling/poll", { channels, last, options: {} }, signal, onSent)) as Notification[];
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
      const result = await rpc(pub, publishPort(), "/pos_multi_session_sync/update", {
        multi_session_id: session,
        dbname: shopOf(shops, session),
        user_ID: USER,
        message: { action: "bench", data, session_id: PUBLISHER_SESSION, login_number: 1 },
      });
      if (result !== 1) throw new Error(`broadcast answered ${JSON.stringify(result)}`);
    },
    async idlePoll(i, signal, onSent) {
      if (options.transport === "stream") return idleStream(streams, port, streamPath([channel(IDLE_DB, "pos.longpolling", IDLE_BASE + i)], 0), signal, onSent);
      const params = { channels: [channel(IDLE_DB, "pos.longpolling", IDLE_BASE + i)], last: 0, options: {} };
      return ((await rpc(sub, port, "/longpolling/poll", params, signal, onSent)) as unknown[]).length;
    },
    async connectPoll(i) {
      const channels = [channel(IDLE_DB, "pos.multi_session", CONNECT_BASE + i), channel(IDLE_DB, "pos.longpolling", CONNECT_BASE + i)];
      return ((await rpc(connecting, port, "/longpolling/poll", { channels, last: 0, options: { peek: true } })) as unknown[]).length;
    },
    async probeIdle(i) {
      await rpc(pub, pubPort, "/pos_longpolling/update", { message: "PING", pos_id: IDLE_BASE + i, db_name: IDLE_DB });
    },
    async stop() {
      sub.destroy();
      pub.destroy();
      connecting.destroy();
      streams.destroy();
      await stopServer();
    },
  };
}
