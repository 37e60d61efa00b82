import { call } from "./rpc.ts";
import { nodeUrlFor } from "./cluster.ts";
import { PosPoller } from "./poller.ts";

type Line = Record<string, unknown> & { uid: string };
type OrderData = Record<string, any> & { uid: string; lines?: Array<[number, number, Line]> };
type Message = { action: string; data: Record<string, any>; session_id?: number; login_number?: number };

export interface PosOrder {
  uid: string;
  revision: number;
  /** line uid -> the line's values as the POS holds them. */
  lines: Map<string, Record<string, unknown>>;
}

/**
 * A terminal that applies multi-session messages exactly as the unmodified Odoo POS client
 * does (pos_multi_session.js): an existing line is re-applied only when it carries
 * `is_changed`, a line of an unknown uid is added, a line missing from the message is removed;
 * a message_ID that is not the last + 1 makes it ask for sync_all, whose answer arrives over
 * the bus; its own broadcasts only move its message_ID.
 */
export class OdooPos {
  readonly orders = new Map<string, PosOrder>();
  readonly poller: PosPoller;
  readonly sessionId: number;
  readonly loginNumber = 1;
  messageId = 0;
  syncAllRequests = 0;

  /** The node it speaks to (on the cluster run, one of two by its pos id). */
  readonly url: string;

  constructor(
    url: string,
    readonly posId: number,
    readonly options: { dbname?: string; multiSessionId?: number; userId?: number; runId?: number } = {},
  ) {
    this.url = nodeUrlFor(url, posId);
    this.sessionId = 2000 + posId;
    this.poller = new PosPoller(this.url, this.dbname, posId);
  }

  get dbname(): string {
    return this.options.dbname ?? "shop1";
  }

  /** The start-up sync_all (immediate_rerendering), applied from the reply. */
  async start(): Promise<void> {
    const reply = await this.update<Message>("sync_all", { pos_id: this.posId, run_ID: this.options.runId ?? 1 }, { immediate_rerendering: true });
    this.receiveMessage(reply);
    await this.poller.ping();
  }

  /** Sends an order as the POS exports it; the reply's revision is adopted. */
  async sendOrder(uid: string, lines: Line[], sequenceNumber = 1): Promise<any> {
    const revision = this.orders.get(uid)?.revision ?? 1;
    const data = {
      uid,
      revision_ID: revision,
      nonce: `${uid}-${revision}-${Math.random()}`,
      sequence_number: sequenceNumber,
      run_ID: this.options.runId ?? 1,
      lines: lines.map((line) => [0, 0, line]),
    };
    const reply = await this.update<any>("update_order", data);
    if (reply.action === "update_revision_ID") {
      this.orders.set(uid, { uid, revision: reply.revision_ID, lines: new Map(lines.map((line) => [line.uid, withoutFlags(line)])) });
    }
    return reply;
  }

  /** Polls once (waiting if nothing is there) and applies every message, in order. */
  async pollAndApply(options: Record<string, unknown> = {}): Promise<Message[]> {
    const batch = await this.poller.pollOnce(options);
    const messages = batch.map((notification) => notification.message as Message);
    for (const message of messages) await this.receiveMessage(message);
    return messages;
  }

  /** Skips whatever is waiting on the channel right now, as a terminal that missed it. */
  async miss(): Promise<number> {
    return (await this.poller.pollOnce({ peek: true })).length;
  }

  /** updates_from_server_callback + updates_from_server. */
  async receiveMessage(message: Message): Promise<void> {
    const data = message.data ?? {};
    const sessionId = message.session_id ?? data.session_id;
    const loginNumber = message.login_number ?? data.login_number;
    const ownSession = sessionId === this.sessionId;
    const ownLogin = loginNumber === this.loginNumber;
    if (ownSession && ((ownLogin && message.action !== "sync_all") || (!ownLogin && message.action === "sync_all"))) {
      this.messageId = data.message_ID;
      return;
    }
    if (message.action === "sync_all") {
      this.messageId = data.message_ID;
      const serverUids = (data.orders as Message[]).map((order) => order.data.uid as string);
      for (const order of data.orders as Message[]) this.updateOrder(order.data as OrderData);
      if (!data.uid) for (const uid of [...this.orders.keys()]) if (!serverUids.includes(uid)) this.orders.delete(uid);
      return;
    }
    if (this.messageId + 1 === data.message_ID) this.messageId = data.message_ID;
    else await this.requestSyncAll();
    if (message.action === "remove_order") this.orders.delete(data.uid);
    else if (message.action === "update_order") this.updateOrder(data as OrderData);
  }

  /** request_sync_all() without immediate_rerendering: the answer comes over the bus. */
  private async requestSyncAll(): Promise<void> {
    this.syncAllRequests += 1;
    await this.update("sync_all", { pos_id: this.posId, run_ID: this.options.runId ?? 1 });
  }

  /** ms_update_order + ms_update_existing_order, for the lines. */
  private updateOrder(data: OrderData): void {
    const order = this.orders.get(data.uid);
    const lines = (data.lines ?? []).map((triple) => triple[2]);
    if (!order) {
      this.orders.set(data.uid, { uid: data.uid, revision: data.revision_ID, lines: new Map(lines.map((line) => [line.uid, withoutFlags(line)])) });
      return;
    }
    order.revision = data.revision_ID;
    const notFound = new Set(order.lines.keys());
    for (const line of lines) {
      notFound.delete(line.uid);
      if (!order.lines.has(line.uid) || line.is_changed) order.lines.set(line.uid, withoutFlags(line));
    }
    for (const uid of notFound) order.lines.delete(uid);
  }

  private update<T>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<T> {
    const message = { action, data, session_id: this.sessionId, login_number: this.loginNumber, ...extra };
    const params = { multi_session_id: this.options.multiSessionId ?? 1, dbname: this.dbname, user_ID: this.options.userId ?? 1, message };
    return call<T>(`${this.url}/pos_multi_session_sync/update`, params);
  }

  /** uid -> line uid -> values, for comparing with the server. */
  snapshot(): Record<string, Record<string, Record<string, unknown>>> {
    return Object.fromEntries([...this.orders].map(([uid, order]) => [uid, Object.fromEntries(order.lines)]));
  }
}

/** The order lines as the server stores them, in the shape of OdooPos.snapshot(). */
export function serverSnapshot(orders: Message[]): Record<string, Record<string, Record<string, unknown>>> {
  return Object.fromEntries(
    orders.map((order) => [
      order.data.uid,
      Object.fromEntries((order.data.lines as Array<[number, number, Line]>).map(([, , line]) => [line.uid, withoutFlags(line)])),
    ]),
  );
}

function withoutFlags(line: Record<string, unknown>): Record<string, unknown> {
  const { is_changed: _changed, id: _id, ...values } = line;
  return values;
}
