import { randomUUID } from "node:crypto";
import { call, rpc } from "./rpc.ts";
import { nodeUrlFor } from "./cluster.ts";
import { PosPoller } from "./poller.ts";

/**
 * A terminal that behaves like the unmodified Odoo 12 POS with pos_multi_session, in the
 * points that decide whether edits survive a conflict:
 * - it drops bus messages carrying its own session_id + login_number (looked up on the
 *   message, then on its data), only taking their message_ID;
 * - an accepted update takes the reply's revision_ID only if higher and clears every line's
 *   "offline" mark; an applied broadcast sets revision_ID unconditionally;
 * - applying a broadcast updates an existing line only when it carries is_changed, adds lines
 *   with new uids, removes local lines missing from the message unless still offline (and
 *   then sends the order again);
 * - an order built from JSON gets new line uids (session-login-sequence-id), keeping line ids;
 * - adding a product already on the order adds 1 to that line;
 * - revision_error: a warning, then sync_all for that order, answered over the bus;
 * - one request in flight at a time; a message_ID gap asks for a full sync_all;
 * - with `offlineSyncMs` (MultiSession.send's failure branch): a failed request is not sent
 *   again. An HTTP failure (error.data.type "xhrerror"), or a JSON-RPC error whose data.name does
 *   not start with "NotFound" (the original tests `name.search("NotFound")`, -1 being truthy),
 *   takes it offline: lines keep their offline mark, and a sync_all is asked for every
 *   `offlineSyncMs` (5 s plus 1-10 s in the POS) until one is answered; the sync_all that then
 *   comes over the bus makes it send again orders with offline lines and orders not yet on the
 *   server (send_draft_offline_orders). Any other JSON-RPC error asks for one sync_all at once.
 */
export interface PosLine {
  uid: string;
  id: number;
  product_id: number;
  qty: number;
  price_unit: number;
  discount: number;
  /** Who changed the line last: set by a local change, taken from the message when one is applied. */
  ms_info: Record<string, unknown>;
  offline: boolean;
}

export interface PosOrder {
  uid: string;
  sequence_number: number;
  revision_ID: number;
  run_ID: number;
  partner_id: number | false;
  note: string;
  lines: PosLine[];
  order_on_server: boolean;
}

type Message = { action: string; data: Record<string, any>; session_id?: unknown; login_number?: unknown };

export interface SimulatedPosOptions {
  posId: number;
  userId?: number;
  dbname?: string;
  multiSessionId?: number;
  /** Behave as the POS does when a request fails (above); without it a failed request throws. */
  offlineSyncMs?: number;
}

/** A failed request as the POS's session.rpc reports it. */
export class PosRpcFailure extends Error {
  constructor(
    readonly type: "xhrerror" | "server",
    readonly status: number,
    readonly errorName: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export class SimulatedPos {
  readonly posId: number;
  readonly userId: number;
  readonly dbname: string;
  readonly multiSessionId: number;
  readonly sessionId: number;
  readonly loginNumber = 1;
  readonly orders = new Map<string, PosOrder>();
  readonly poller: PosPoller;
  messageId = 0;
  /** "There is a conflict during synchronization, try your action again" shown. */
  warnings = 0;
  /** message_ID gaps that made it ask for a full sync_all. */
  gaps = 0;
  /** What happened, for debugging a failing scenario. */
  readonly trace: string[] = [];
  /** Every reply to update_order, in order. */
  readonly replies: any[] = [];
  /** MultiSession.client_online: false from a failed request until one is answered. */
  online = true;
  /** Requests that failed, as "<action>: HTTP <status> <message>". */
  readonly failures: string[] = [];
  private offlineTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private readonly offlineSyncMs: number | undefined;
  /** HTTP headers on every request (the slow-connection test mode delays replies). */
  headers: Record<string, string> | undefined;
  private nextLineId = 1;
  /** Polled but not yet applied. */
  private readonly inbox: Message[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** The node it speaks to (on the cluster run, one of two by its pos id). */
  readonly url: string;

  constructor(url: string, options: SimulatedPosOptions) {
    this.url = nodeUrlFor(url, options.posId);
    this.posId = options.posId;
    this.userId = options.userId ?? options.posId;
    this.dbname = options.dbname ?? "shop1";
    this.multiSessionId = options.multiSessionId ?? 1;
    this.sessionId = 100 + options.posId;
    this.poller = new PosPoller(this.url, this.dbname, this.posId);
    this.offlineSyncMs = options.offlineSyncMs;
  }

  /** Stops the offline sync timer (the page closed). */
  stop(): void {
    clearInterval(this.offlineTimer);
    this.offlineTimer = undefined;
  }

  /** Loading the POS: sync_all answered directly, then the bus cursor set past what came before. */
  async start(): Promise<void> {
    const reply = await this.rpc<Message>("sync_all", { run_ID: 1 }, { immediate_rerendering: true });
    this.updatesFromServer(reply);
    await this.poller.ping();
    await this.poller.pollOnce({ peek: true });
  }

  // ---- the cashier ----

  newOrder(uid: string, sequenceNumber = 1): Promise<void> {
    this.orders.set(uid, { uid, sequence_number: sequenceNumber, revision_ID: 1, run_ID: 1, partner_id: false, note: "", lines: [], order_on_server: false });
    return Promise.resolve();
  }

  addProduct(uid: string, productId: number, price = 10): Promise<void> {
    const order = this.order(uid);
    const same = order.lines.find((line) => line.product_id === productId && line.price_unit === price && line.discount === 0);
    if (same) {
      same.qty += 1;
      same.ms_info = this.msInfo();
    } else {
      const id = this.nextLineId++;
      order.lines.push({
        uid: `${this.uidPrefix(order)}-${id}`,
        id,
        product_id: productId,
        qty: 1,
        price_unit: price,
        discount: 0,
        ms_info: this.msInfo(),
        offline: true,
      });
    }
    return this.sendOrder(uid);
  }

  setQuantity(uid: string, productId: number, qty: number): Promise<void> {
    const line = this.line(uid, productId);
    line.qty = qty;
    line.ms_info = this.msInfo();
    return this.sendOrder(uid);
  }

  removeLine(uid: string, productId: number): Promise<void> {
    const order = this.order(uid);
    order.lines = order.lines.filter((line) => line.product_id !== productId);
    return this.sendOrder(uid);
  }

  setNote(uid: string, note: string): Promise<void> {
    this.order(uid).note = note;
    return this.sendOrder(uid);
  }

  /** What the cashier sees: product -> quantity, in line order. */
  screen(uid: string): Array<[number, number]> {
    return (this.orders.get(uid)?.lines ?? []).map((line) => [line.product_id, line.qty]);
  }

  // ---- the bus ----

  /** Applies whatever is on the channel now, and waits for the sends that caused. */
  async catchUp(): Promise<Message[]> {
    const messages = await this.deliver(Infinity);
    await this.idle();
    return messages;
  }

  /**
   * Applies the next `count` messages of the channel (a slow bus hands them over one by one),
   * without waiting for what is in flight.
   */
  async deliver(count: number): Promise<Message[]> {
    const batch = await this.poller.pollOnce({ peek: true });
    this.inbox.push(...batch.map((notification) => notification.message as Message));
    const messages = this.inbox.splice(0, Math.min(count, this.inbox.length));
    for (const message of messages) this.updatesFromServerCallback(message);
    return messages;
  }

  /** Waits until this terminal has nothing in flight. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private updatesFromServerCallback(message: Message): void {
    this.trace.push(
      `recv ${message.action} s=${String(message.session_id)} mid=${message.data?.message_ID} rev=${message.data?.revision_ID} ${linesText(message.data?.lines)}`,
    );
    const attr = (name: "session_id" | "login_number") => message[name] || message.data?.[name];
    const sameSession = attr("session_id") === this.sessionId;
    const sameLogin = attr("login_number") === this.loginNumber;
    if (sameSession && ((sameLogin && message.action !== "sync_all") || (!sameLogin && message.action === "sync_all"))) {
      this.messageId = message.data.message_ID;
      return;
    }
    this.updatesFromServer(message);
  }

  private updatesFromServer(message: Message): void {
    const data = message.data ?? {};
    if (message.action === "sync_all") {
      this.messageId = data.message_ID;
      for (const received of data.orders as Message[]) this.msUpdateOrder(this.orders.get(received.data.uid), received.data);
      if (!data.uid) {
        const onServer = new Set((data.orders as Message[]).map((order) => order.data.uid));
        for (const order of [...this.orders.values()]) if (order.order_on_server && !onServer.has(order.uid)) this.orders.delete(order.uid);
        // destroy_removed_orders ends with send_draft_offline_orders.
        for (const order of this.orders.values()) if (!order.order_on_server && order.lines.length > 0) void this.sendOrder(order.uid);
      }
      return;
    }
    if (this.messageId + 1 === data.message_ID) {
      this.messageId = data.message_ID;
    } else {
      this.gaps += 1;
      void this.requestSyncAll();
    }
    if (message.action === "remove_order") this.orders.delete(data.uid);
    else if (message.action === "update_order") this.msUpdateOrder(this.orders.get(data.uid), data);
  }

  private msUpdateOrder(order: PosOrder | undefined, data: Record<string, any>): void {
    if (!order) {
      this.orders.set(data.uid, this.orderFromJson(data));
      return;
    }
    order.revision_ID = data.revision_ID;
    order.partner_id = data.partner_id ?? false;
    if (typeof data.note === "string") order.note = data.note;
    const notFound = new Set(order.lines.map((line) => line.uid));
    for (const [, , dline] of data.lines as [number, number, Record<string, any>][]) {
      let line = order.lines.find((candidate) => candidate.uid === dline.uid);
      notFound.delete(dline.uid);
      if (!line) {
        line = { uid: dline.uid, id: this.nextLineId++, product_id: dline.product_id, qty: 0, price_unit: 0, discount: 0, ms_info: {}, offline: false };
        applyLineData(line, dline);
        order.lines.push(line);
      } else if (dline.is_changed) {
        applyLineData(line, dline);
      }
      line.offline = false;
    }
    order.lines = order.lines.filter((line) => !notFound.has(line.uid) || line.offline);
    order.order_on_server = true;
    if (order.lines.some((line) => line.offline)) void this.sendOrder(order.uid);
  }

  private orderFromJson(data: Record<string, any>): PosOrder {
    const order: PosOrder = {
      uid: data.uid,
      sequence_number: data.sequence_number,
      revision_ID: data.revision_ID,
      run_ID: data.run_ID ?? 1,
      partner_id: data.partner_id ?? false,
      note: data.note ?? "",
      lines: [],
      order_on_server: true,
    };
    for (const [, , dline] of data.lines as [number, number, Record<string, any>][]) {
      this.nextLineId = Math.max(this.nextLineId, dline.id + 1);
      // Orderline.initialize resets ms_info after init_from_JSON.
      order.lines.push({
        uid: `${this.uidPrefix(order)}-${dline.id}`,
        id: dline.id,
        product_id: dline.product_id,
        qty: dline.qty,
        price_unit: dline.price_unit,
        discount: dline.discount ?? 0,
        ms_info: {},
        offline: false,
      });
    }
    return order;
  }

  // ---- the server ----

  private sendOrder(uid: string): Promise<void> {
    return this.enqueue(async () => {
      const order = this.orders.get(uid);
      if (!order) return;
      const sent = this.exportAsJson(order);
      this.trace.push(`send rev=${order.revision_ID} ${linesText(sent.lines)}`);
      const reply = await this.send<any>("update_order", sent);
      if (reply === undefined) return; // update(data).done(...) never runs: the lines stay offline
      this.trace.push(`reply ${JSON.stringify(reply)}`);
      this.replies.push(reply);
      if (reply.action === "revision_error" && reply.state === "deleted") {
        this.orders.delete(uid);
      } else if (reply.action === "revision_error") {
        this.warnings += 1;
        await this.rpc("sync_all", { run_ID: 1 }, { uid });
      } else if (reply.action === "update_revision_ID" && reply.revision_ID > order.revision_ID) {
        order.revision_ID = reply.revision_ID;
      }
      // update(data).done(...) runs on any answer, a revision_error included.
      order.order_on_server = true;
      for (const line of order.lines) line.offline = false;
    });
  }

  private requestSyncAll(): Promise<void> {
    return this.enqueue(async () => {
      await this.send("sync_all", { run_ID: 1 });
    });
  }

  /** Outside the update queue, as MultiSession.request_sync_all; one at a time (on_syncing). */
  private async offlineSyncAll(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      await this.send("sync_all", { run_ID: 1 });
    } finally {
      this.syncing = false;
    }
  }

  /** MultiSession.send: the reply, or undefined after a failure handled as the POS does (without offlineSyncMs: thrown). */
  private async send<T>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<T | undefined> {
    let reply: T;
    try {
      reply = await this.rpc<T>(action, data, extra);
    } catch (error) {
      if (this.offlineSyncMs === undefined || !(error instanceof PosRpcFailure)) throw error;
      this.failures.push(`${action}: HTTP ${error.status} ${error.message}`);
      this.trace.push(`failed ${action}: ${error.type} ${error.status}`);
      const offline = error.type === "xhrerror" || (error.errorName !== undefined && error.errorName.search("NotFound") !== 0);
      if (offline) {
        this.online = false;
        this.offlineTimer ??= setInterval(() => void this.offlineSyncAll(), this.offlineSyncMs);
      } else {
        void this.offlineSyncAll();
      }
      return undefined;
    }
    this.online = true;
    clearInterval(this.offlineTimer);
    this.offlineTimer = undefined;
    return reply;
  }

  private exportAsJson(order: PosOrder): Record<string, unknown> {
    return {
      uid: order.uid,
      name: `Order ${order.uid}`,
      sequence_number: order.sequence_number,
      revision_ID: order.revision_ID,
      run_ID: order.run_ID,
      partner_id: order.partner_id,
      note: order.note,
      pos_session_id: this.sessionId,
      user_id: this.userId,
      amount_total: order.lines.reduce((sum, line) => sum + line.qty * line.price_unit, 0),
      ms_info: this.msInfo(),
      new_order: false,
      order_on_server: order.order_on_server,
      lines: order.lines.map(({ offline: _offline, ...line }) => [0, 0, line]),
    };
  }

  private async rpc<T>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<T> {
    const message = {
      action,
      data: { ...data, pos_id: this.posId, nonce: randomUUID() },
      session_id: this.sessionId,
      login_number: this.loginNumber,
      ...extra,
    };
    const params = { multi_session_id: this.multiSessionId, dbname: this.dbname, user_ID: this.userId, message };
    if (this.offlineSyncMs === undefined) return call<T>(`${this.url}/pos_multi_session_sync/update`, params, this.headers);
    let reply: Awaited<ReturnType<typeof rpc<T>>>;
    try {
      reply = await rpc<T>(`${this.url}/pos_multi_session_sync/update`, params, this.headers ? { headers: this.headers } : {});
    } catch (error) {
      throw new PosRpcFailure("xhrerror", 0, undefined, (error as Error).message);
    }
    // jQuery fails any status outside 2xx before the body is read: session.rpc's "xhrerror".
    if (reply.status < 200 || reply.status >= 300) throw new PosRpcFailure("xhrerror", reply.status, undefined, reply.body.error?.data?.message ?? "");
    if (reply.body.error)
      throw new PosRpcFailure("server", reply.status, reply.body.error.data?.name, reply.body.error.data?.message ?? reply.body.error.message);
    return reply.body.result as T;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.pending += 1;
    const done = this.queue.then(work).finally(() => {
      this.pending -= 1;
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  private order(uid: string): PosOrder {
    const order = this.orders.get(uid);
    if (!order) throw new Error(`POS ${this.posId} has no order ${uid}`);
    return order;
  }

  private line(uid: string, productId: number): PosLine {
    const line = this.order(uid).lines.find((candidate) => candidate.product_id === productId);
    if (!line) throw new Error(`POS ${this.posId}: order ${uid} has no line of product ${productId}`);
    return line;
  }

  private msInfo(): Record<string, unknown> {
    return { changed: { pos: { id: this.posId } } };
  }

  private uidPrefix(order: PosOrder): string {
    const pad = (value: number, width: number) => String(value).padStart(width, "0");
    return `${pad(this.sessionId, 5)}-${pad(this.loginNumber, 3)}-${pad(order.sequence_number, 4)}`;
  }
}

function linesText(lines: unknown): string {
  if (!Array.isArray(lines)) return "";
  return lines.map(([, , line]: any) => `${line.product_id}:${line.qty}${line.is_changed ? "*" : ""}`).join(",");
}

/** The POS's Orderline.apply_ms_data: quantity, price and discount. */
function applyLineData(line: PosLine, dline: Record<string, any>): void {
  line.ms_info = dline.ms_info ?? {};
  if (dline.qty !== undefined) line.qty = dline.qty;
  if (dline.price_unit !== undefined) line.price_unit = dline.price_unit;
  if (dline.discount !== undefined) line.discount = dline.discount;
}

/** Applies every terminal's waiting messages until none is left and none is sending. */
export async function settle(terminals: readonly SimulatedPos[]): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let moved = 0;
    for (const terminal of terminals) moved += (await terminal.catchUp()).length;
    if (moved === 0) return;
  }
  throw new Error("terminals did not settle after 50 rounds");
}

/** What the server holds for an order, as a terminal loading from scratch would get it. */
export async function serverOrder(
  url: string,
  uid: string,
  options: { dbname?: string; multiSessionId?: number } = {},
): Promise<Record<string, any> | undefined> {
  const message = { action: "sync_all", data: { pos_id: 999, run_ID: 1 }, uid, immediate_rerendering: true, session_id: 999, login_number: 1 };
  const reply = await call<Message>(`${url}/pos_multi_session_sync/update`, {
    multi_session_id: options.multiSessionId ?? 1,
    dbname: options.dbname ?? "shop1",
    user_ID: 999,
    message,
  });
  return (reply.data.orders as Message[])[0]?.data;
}

/** Product -> quantity of the server's order, in line order. */
export function serverScreen(order: Record<string, any> | undefined): Array<[number, number]> {
  return ((order?.lines ?? []) as [number, number, Record<string, any>][]).map(([, , line]) => [line.product_id, line.qty]);
}
