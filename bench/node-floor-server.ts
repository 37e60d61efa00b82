/**
 * Node's floor: the part of pos-sync's wire the benchmark uses, on bare node:http, in memory,
 * no framework, no persistence, no validation beyond what keeps it running. What any Node
 * HTTP/1.1 server must spend at least, measured beside ours in the same run (`--vs node-floor`).
 *
 *   POST /longpolling/poll              {channels, last}: everything after `last` on those channels, at once or when it comes
 *   GET  /longpolling/stream            ?channels=<JSON list>&last=<id> (or Last-Event-ID): Server-Sent Events, the same after `last`, then each as it comes
 *   POST /pos_multi_session_sync/update sync_all registers data.pos_id; any other action goes to every terminal of the session
 *   POST /pos_longpolling/update        "PONG" on the terminal's pos.longpolling channel
 *   GET  /healthz
 *
 * It batches: a woken poll is answered on the next turn of the event loop with everything
 * queued for its channels since its cursor, and expiry is one sweep over the held polls in
 * arrival order (one timeout for all), not a timer per poll. A stream, like ours, is written to
 * as each notification is sent, with no batching; one heartbeat timer serves every open stream.
 * Usage: node --import tsx bench/node-floor-server.ts <port> <poll timeout seconds>
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";

const port = Number(process.argv[2]);
const timeoutMs = Number(process.argv[3] ?? 50) * 1000;
/** Notifications kept per channel for re-polls; subscribers come back within milliseconds. */
const KEEP_PER_CHANNEL = 1000;
/** Ours' default POS_SYNC_STREAM_HEARTBEAT. */
const HEARTBEAT_MS = 20_000;
/** Ours cuts off a reader this far behind; it resumes from its Last-Event-ID. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const STREAM_HEADERS = { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" };

interface Stored {
  id: number;
  /** The notification as reply JSON: {"id":..,"channel":..,"message":..}. */
  json: string;
}

class HeldPoll {
  constructor(
    readonly res: ServerResponse,
    readonly rpcId: string,
    readonly channels: string[],
    readonly last: number,
    readonly since: number,
  ) {}
}

let lastId = 0;
const queues = new Map<string, Stored[]>();
const held = new Map<string, Set<HeldPoll>>();
/** Every held poll in arrival order: with one timeout for all, the oldest expire first. */
const byAge = new Set<HeldPoll>();
const toWake = new Set<HeldPoll>();
/** Open event streams by channel. */
const streams = new Map<string, Set<ServerResponse>>();
const openStreams = new Set<ServerResponse>();
/** Terminals (pos_id -> last message_ID) of each multi-session, by "<dbname>/<multi_session_id>". */
const sessions = new Map<string, Map<number, number>>();

function channelOf(dbname: string, name: string, posId: number | string): string {
  return JSON.stringify([dbname, name, String(posId)]);
}

function after(channels: string[], last: number): Stored[] {
  const out: Stored[] = [];
  for (const channel of channels) {
    const queue = queues.get(channel);
    if (!queue) continue;
    let i = queue.length;
    while (i > 0 && queue[i - 1]!.id > last) i--;
    for (; i < queue.length; i++) out.push(queue[i]!);
  }
  if (channels.length > 1) out.sort((a, b) => a.id - b.id);
  return out;
}

const jsonOf = (stored: Stored[]): string => `[${stored.map((n) => n.json).join(",")}]`;
const eventOf = (n: Stored): string => `id: ${n.id}\ndata: ${n.json}\n\n`;

function reply(res: ServerResponse, rpcId: string, resultJson: string, status = 200): void {
  const body = `{"jsonrpc":"2.0","id":${rpcId},"result":${resultJson}}`;
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function release(poll: HeldPoll): void {
  byAge.delete(poll);
  toWake.delete(poll);
  for (const channel of poll.channels) {
    const set = held.get(channel);
    if (set?.delete(poll) && set.size === 0) held.delete(channel);
  }
}

function wakeAll(): void {
  for (const poll of toWake) {
    release(poll);
    if (!poll.res.destroyed) reply(poll.res, poll.rpcId, jsonOf(after(poll.channels, poll.last)));
  }
  toWake.clear();
}

function send(channel: string, message: unknown): void {
  const id = ++lastId;
  let queue = queues.get(channel);
  if (!queue) queues.set(channel, (queue = []));
  const stored = { id, json: `{"id":${id},"channel":${JSON.stringify(channel)},"message":${JSON.stringify(message)}}` };
  queue.push(stored);
  if (queue.length > 2 * KEEP_PER_CHANNEL) queue.splice(0, queue.length - KEEP_PER_CHANNEL);
  const listening = streams.get(channel);
  if (listening) {
    const event = eventOf(stored);
    for (const res of listening) write(res, event);
  }
  const polls = held.get(channel);
  if (!polls) return;
  if (toWake.size === 0) setImmediate(wakeAll);
  for (const poll of polls) toWake.add(poll);
}

function poll(res: ServerResponse, rpcId: string, params: { channels?: string[]; last?: number; options?: { peek?: boolean } }): void {
  const channels = params.channels ?? [];
  const last = params.last ?? 0;
  // last=0: a new subscriber starts from now (ours looks back one poll timeout in its store).
  const ready = last > 0 ? after(channels, last) : [];
  if (ready.length > 0 || params.options?.peek) {
    reply(res, rpcId, jsonOf(ready));
    return;
  }
  const entry = new HeldPoll(res, rpcId, channels, last > 0 ? last : lastId, performance.now());
  byAge.add(entry);
  for (const channel of channels) {
    let set = held.get(channel);
    if (!set) held.set(channel, (set = new Set()));
    set.add(entry);
  }
  res.once("close", () => release(entry));
}

function write(res: ServerResponse, text: string): void {
  if (res.destroyed) return;
  res.write(text);
  if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
}

function stream(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
  let channels: string[];
  try {
    channels = JSON.parse(query.get("channels") ?? "[]") as string[];
  } catch {
    res.writeHead(400, { "Content-Type": "application/json", "Content-Length": 2 });
    return void res.end("{}");
  }
  const header = req.headers["last-event-id"];
  // last=0: a new subscriber starts from now, as the floor's poll does.
  const last = Number((typeof header === "string" ? header : query.get("last")) ?? 0) || 0;
  res.writeHead(200, STREAM_HEADERS);
  res.flushHeaders();
  write(res, `: open\n\n${last > 0 ? after(channels, last).map(eventOf).join("") : ""}`);
  openStreams.add(res);
  for (const channel of channels) {
    let set = streams.get(channel);
    if (!set) streams.set(channel, (set = new Set()));
    set.add(res);
  }
  res.once("close", () => {
    openStreams.delete(res);
    for (const channel of channels) {
      const set = streams.get(channel);
      if (set?.delete(res) && set.size === 0) streams.delete(channel);
    }
  });
}

interface UpdateParams {
  multi_session_id: number;
  dbname: string;
  message: { action: string; data?: { pos_id?: number }; [key: string]: unknown };
}

function update(params: UpdateParams): unknown {
  const key = `${params.dbname}/${params.multi_session_id}`;
  let terminals = sessions.get(key);
  if (!terminals) sessions.set(key, (terminals = new Map()));
  const { message } = params;
  if (message.action === "sync_all") {
    if (typeof message.data?.pos_id === "number" && !terminals.has(message.data.pos_id)) terminals.set(message.data.pos_id, 0);
    return {};
  }
  for (const [posId, messageId] of terminals) {
    terminals.set(posId, messageId + 1);
    send(channelOf(params.dbname, "pos.multi_session", posId), { ...message, data: { ...message.data, message_ID: messageId + 1 } });
  }
  return 1;
}

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  let rpcId = "null";
  let params: Record<string, unknown>;
  try {
    const call = JSON.parse(body) as { id?: unknown; params?: Record<string, unknown> };
    rpcId = JSON.stringify(call.id ?? null);
    params = call.params ?? {};
  } catch {
    reply(res, rpcId, "null", 400);
    return;
  }
  const path = req.url ?? "";
  if (path === "/longpolling/poll") {
    poll(res, rpcId, params as { channels?: string[]; last?: number; options?: { peek?: boolean } });
    return;
  }
  if (path === "/pos_multi_session_sync/update") {
    reply(res, rpcId, JSON.stringify(update(params as unknown as UpdateParams)));
    return;
  }
  if (path === "/pos_longpolling/update") {
    send(channelOf(String(params.db_name), "pos.longpolling", params.pos_id as number), "PONG");
    reply(res, rpcId, "1");
    return;
  }
  reply(res, rpcId, "null", 404);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": 2 });
    return void res.end("ok");
  }
  if (req.method === "GET" && req.url?.startsWith("/longpolling/stream?")) {
    stream(req, res, new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1)));
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => route(req, res, chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString()));
});
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1");

// One sweep a second answers the polls held past the timeout with [], oldest first.
setInterval(() => {
  const expired = performance.now() - timeoutMs;
  for (const poll of byAge) {
    if (poll.since > expired) break;
    release(poll);
    if (!poll.res.destroyed) reply(poll.res, poll.rpcId, "[]");
  }
}, 1000).unref();

setInterval(() => {
  for (const res of openStreams) write(res, ":\n\n");
}, HEARTBEAT_MS).unref();

process.on("SIGTERM", () => {
  for (const poll of byAge) if (!poll.res.destroyed) reply(poll.res, poll.rpcId, "[]");
  for (const res of openStreams) res.end();
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
