import {
  type BusTransport,
  MultiSessionClient,
  type Emitter,
  type LongpollBus,
  type LongpollBusEvents,
  type MultiSessionClientOptions,
  type MultiSessionEvents,
} from "../../src/client/index.ts";
import { nodeUrlFor } from "../helpers/cluster.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

export const DB = "shop1";

/**
 * The transport every bus of these tests uses: the default ("auto", which prefers the stream) in
 * the sqlite project, "poll" in the client-poll project (vitest.config.ts), so each scenario runs on both.
 */
export const TRANSPORT: BusTransport = process.env.POS_SYNC_TEST_CLIENT_TRANSPORT === "poll" ? "poll" : "auto";
export const MULTI_SESSION = 1;

/** Fast timings for tests: a 2 s server poll, quick retries. */
export const fastBackoff = { initialMs: 50, maxMs: 400 };

export function testServer(overrides: Parameters<typeof startServer>[0] = {}, options: Parameters<typeof startServer>[1] = {}): Promise<TestServer> {
  return startServer({ pollTimeout: 2, logLevel: "silent", ...overrides }, options);
}

/** Who terminal `posId` of the session is (user 1 unless told), for a test that builds its MultiSessionClient itself. */
export function sessionTerminal(baseUrl: string, posId = 1, userId = 1) {
  return { baseUrl, dbname: DB, multiSessionId: MULTI_SESSION, posId, userId, sessionId: 100 + posId, loginNumber: 1 };
}

/** The bus a terminal of these tests opens: quick retries, this project's transport. */
export const testBusOptions = { backoff: fastBackoff, transport: TRANSPORT };

export interface TerminalSpec {
  posId: number;
  userId?: number;
  baseUrl: string;
  dbname?: string;
  headers?: MultiSessionClientOptions["headers"];
  busOptions?: MultiSessionClientOptions["busOptions"];
}

/** A terminal as the POS starts one: its own bus, the first sync_all done. */
export async function openTerminal(spec: TerminalSpec): Promise<MultiSessionClient> {
  const client = new MultiSessionClient({
    ...sessionTerminal(nodeUrlFor(spec.baseUrl, spec.posId), spec.posId, spec.userId),
    dbname: spec.dbname ?? DB,
    backoff: fastBackoff,
    requestTimeoutMs: 10_000,
    ...(spec.headers ? { headers: spec.headers } : {}),
    busOptions: { backoff: fastBackoff, pollRequestTimeoutMs: 10_000, transport: TRANSPORT, ...spec.busOptions },
  });
  await client.start();
  return client;
}

/**
 * Resolves when `check` holds, re-checking after each event of `clients` (and on a short
 * tick, for changes that have no event such as a revision taken from a reply). Rejects after
 * `timeoutMs` with `what` in the message.
 */
/** Anything of ours that emits events. */
type Watched = MultiSessionClient | LongpollBus;

export function until(what: string, check: () => boolean, watched: Watched[] = [], timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: Array<() => void> = [];
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      clearInterval(tick);
      for (const off of offs) off();
      if (error) reject(error);
      else resolve();
    };
    const test = (): void => {
      try {
        if (check()) finish();
      } catch (error) {
        finish(error as Error);
      }
    };
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)), timeoutMs);
    const tick = setInterval(test, 25);
    for (const emitter of watched as unknown as Array<Emitter<Record<string, unknown>>>) {
      for (const event of ["orderUpdated", "orderRemoved", "synced", "connection", "state", "message"]) {
        offs.push(emitter.on(event, test));
      }
    }
    test();
  });
}

/** The next `event` of `emitter` that satisfies `filter`, within `timeoutMs`. */
export function nextEvent<K extends keyof MultiSessionEvents>(
  emitter: MultiSessionClient,
  event: K,
  filter?: (payload: MultiSessionEvents[K]) => boolean,
  timeoutMs?: number,
): Promise<MultiSessionEvents[K]>;
export function nextEvent<K extends keyof LongpollBusEvents>(
  emitter: LongpollBus,
  event: K,
  filter?: (payload: LongpollBusEvents[K]) => boolean,
  timeoutMs?: number,
): Promise<LongpollBusEvents[K]>;
export function nextEvent(emitter: Watched, event: string, filter: (payload: unknown) => boolean = () => true, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${event}`));
    }, timeoutMs);
    const off = (emitter as unknown as Emitter<Record<string, unknown>>).on(event, (payload) => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** What must be equal on every terminal: each order's revision and its content fields. */
export function view(client: MultiSessionClient): Record<string, { revision: number; lines: unknown; note: unknown }> {
  const out: Record<string, { revision: number; lines: unknown; note: unknown }> = {};
  for (const [uid, order] of [...client.orders].sort(([a], [b]) => a.localeCompare(b))) {
    out[uid] = { revision: order.revisionId, lines: contentOfLines(order.data.lines), note: order.data.note ?? null };
  }
  return out;
}

/** Lines without the server's is_changed marks, which only the receivers' copies carry. */
function contentOfLines(lines: unknown): unknown {
  if (!Array.isArray(lines)) return [];
  return lines.map((line) => {
    const [, , fields] = line as [number, number, Record<string, unknown>];
    const { is_changed: _changed, ...rest } = fields;
    return rest;
  });
}

export function converged(clients: MultiSessionClient[]): boolean {
  const first = JSON.stringify(view(clients[0]!));
  return clients.every((client) => JSON.stringify(view(client)) === first);
}

/** An order as the POS exports it, with lines [[0, 0, {uid, product_id, qty}]]. */
export function order(uid: string, lines: Array<[string, number, number]>, extra: Record<string, unknown> = {}) {
  return {
    uid,
    lines: lines.map(([lineUid, productId, qty]) => [0, 0, { uid: lineUid, product_id: productId, qty }]),
    ...extra,
  };
}

/** Test GC of section 5 (test features on): deletes every notification stored so far. */
export async function garbageCollectBus(baseUrl: string): Promise<number[]> {
  const response = await fetch(`${baseUrl}/pos_multi_session/test/gc`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: {}, id: 1 }),
  });
  const body = (await response.json()) as { result?: number[]; error?: unknown };
  if (!body.result) throw new Error(`test GC failed: ${JSON.stringify(body.error)}`);
  return body.result;
}
