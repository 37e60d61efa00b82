import { randomUUID } from "node:crypto";
import { call } from "./rpc.ts";
import { nodeUrlFor } from "./cluster.ts";
import { PosPoller } from "./poller.ts";

export interface TerminalOptions {
  dbname?: string;
  multiSessionId?: number;
  posId: number;
  userId?: number;
  runId?: number;
  headers?: Record<string, string>;
}

export interface LocalOrder {
  uid: string;
  revision: number;
  data: Record<string, unknown>;
}

type Message = { action: string; data: Record<string, any>; session_id?: number; login_number?: number };

/**
 * A terminal speaking to the server like the Odoo POS does: one request in flight at a time,
 * a nonce per request, revisions applied from replies, and notifications applied from its
 * pos.multi_session channel (its own broadcasts ignored by session_id + login_number).
 */
export class PosTerminal {
  readonly dbname: string;
  readonly multiSessionId: number;
  readonly posId: number;
  readonly userId: number;
  readonly sessionId: number;
  readonly loginNumber = 1;
  runId: number;
  readonly orders = new Map<string, LocalOrder>();
  readonly poller: PosPoller;
  /** message_ID of every notification received, in order. */
  readonly messageIds: number[] = [];
  /** message_ID of every sync_all reply received directly. */
  readonly syncReplyIds: number[] = [];
  lastMessageId = 0;
  gaps = 0;
  /**
   * sync_all requests (syncAllNow) that got no reply. The server may have committed one before
   * dying: it took the terminal's next message_ID for a reply nobody received.
   */
  unansweredSyncs = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /** The node it speaks to (on the cluster run, one of two by its pos id). */
  url: string;

  constructor(url: string, options: TerminalOptions) {
    this.url = nodeUrlFor(url, options.posId);
    this.dbname = options.dbname ?? "shop1";
    this.multiSessionId = options.multiSessionId ?? 1;
    this.posId = options.posId;
    this.userId = options.userId ?? 1;
    this.runId = options.runId ?? 1;
    this.sessionId = 1000 + options.posId;
    this.poller = new PosPoller(this.url, this.dbname, this.posId);
  }

  /** Sends one update message; queued behind this terminal's earlier sends. */
  send<T = any>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<T> {
    const message = { action, data, session_id: this.sessionId, login_number: this.loginNumber, ...extra };
    const params = { multi_session_id: this.multiSessionId, dbname: this.dbname, user_ID: this.userId, message };
    const sent = this.queue.then(() => call<T>(`${this.url}/pos_multi_session_sync/update`, params, headers));
    this.queue = sent.catch(() => undefined);
    return sent;
  }

  /** sync_all with the reply applied at once (immediate_rerendering). */
  async syncAll(uid?: string): Promise<Message> {
    const reply = await this.send<Message>("sync_all", { pos_id: this.posId, run_ID: this.runId }, { immediate_rerendering: true, ...(uid ? { uid } : {}) });
    this.syncReplyIds.push(reply.data.message_ID);
    this.applySyncAll(reply);
    return reply;
  }

  /** Edits an order (creating it when new) and applies the server's answer, re-syncing on revision_error. */
  async editOrder(uid: string, lines: Record<string, unknown>[], headers?: Record<string, string>): Promise<any> {
    const local = this.orders.get(uid) ?? { uid, revision: 1, data: {} };
    const data = {
      ...local.data,
      uid,
      revision_ID: local.revision,
      nonce: randomUUID(),
      sequence_number: (local.data.sequence_number as number | undefined) ?? 1,
      run_ID: this.runId,
      lines: lines.map((line) => [0, 0, line]),
    };
    return this.queueLocal(async () => {
      data.revision_ID = this.orders.get(uid)?.revision ?? 1;
      const reply = await call<any>(`${this.url}/pos_multi_session_sync/update`, this.params("update_order", data), headers);
      if (reply.action === "update_revision_ID") {
        this.remember({ uid, revision: reply.revision_ID, data: { ...data, revision_ID: reply.revision_ID, sequence_number: reply.order_ID } });
      } else if (reply.action === "revision_error" && reply.state === "deleted") {
        this.orders.delete(uid);
      } else if (reply.action === "revision_error") {
        await this.syncAllNow(uid);
      }
      return reply;
    });
  }

  removeOrder(uid: string, extra: Record<string, unknown> = {}): Promise<any> {
    return this.queueLocal(async () => {
      const revision = this.orders.get(uid)?.revision ?? 1;
      const reply = await call<any>(
        `${this.url}/pos_multi_session_sync/update`,
        this.params("remove_order", { uid, revision_ID: revision, finalized: true, ...extra }),
      );
      if (reply.action !== "revision_error") this.orders.delete(uid);
      return reply;
    });
  }

  /** Polls until `count` more notifications arrived on the terminal's channel, and applies them. */
  async receive(count: number): Promise<Message[]> {
    const start = this.poller.received.length;
    await this.poller.receive(start + count);
    const messages = this.poller.received.slice(start).map((n) => n.message as Message);
    for (const message of messages) this.apply(message);
    return messages;
  }

  /** Applies whatever is waiting on the channel right now. */
  async catchUp(): Promise<Message[]> {
    const batch = await this.poller.pollOnce({ peek: true });
    const messages = batch.map((n) => n.message as Message);
    for (const message of messages) this.apply(message);
    return messages;
  }

  private apply(message: Message): void {
    const messageId = message.data.message_ID as number;
    this.messageIds.push(messageId);
    if (message.action === "sync_all") {
      this.applySyncAll(message);
      return;
    }
    if (this.lastMessageId && messageId !== this.lastMessageId + 1) this.gaps += 1;
    this.lastMessageId = messageId;
    if (message.session_id === this.sessionId && message.login_number === this.loginNumber) return;
    if (message.action === "update_order") {
      this.remember({ uid: message.data.uid, revision: message.data.revision_ID, data: message.data });
    } else if (message.action === "remove_order") {
      this.orders.delete(message.data.uid);
    }
  }

  /** A reply and a broadcast for the same order can cross; the higher revision is the newer one. */
  private remember(order: LocalOrder): void {
    const known = this.orders.get(order.uid);
    if (!known || known.revision <= order.revision) this.orders.set(order.uid, order);
  }

  /** Sends and polls to another server (another node), keeping the cursor. */
  moveTo(url: string): void {
    this.url = url;
    this.poller.url = url;
  }

  /** Polls and applies in the background until the returned stopper is called (and awaited); a failed poll goes to `onError` when given, else is retried as the POS does. */
  listen(onError?: (error: unknown) => Promise<void>): () => Promise<void> {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        let batch: Awaited<ReturnType<typeof this.poller.pollOnce>>;
        try {
          batch = onError ? await this.poller.pollOnce() : await this.poller.pollRetrying();
        } catch (error) {
          if (!onError) throw error;
          await onError(error);
          continue;
        }
        for (const notification of batch) this.apply(notification.message as Message);
      }
    })();
    return async () => {
      stopped = true;
      await loop;
      await this.catchUp();
    };
  }

  private applySyncAll(reply: Message): void {
    const { orders, message_ID, uid } = reply.data as { orders: Message[]; message_ID: number; uid: string | null };
    this.lastMessageId = message_ID;
    if (!uid) this.orders.clear();
    for (const order of orders) {
      this.orders.set(order.data.uid, { uid: order.data.uid, revision: order.data.revision_ID, data: order.data });
    }
    if (uid && !orders.length) this.orders.delete(uid);
  }

  async syncAllNow(uid?: string): Promise<void> {
    let reply: Message;
    try {
      reply = await call<Message>(
        `${this.url}/pos_multi_session_sync/update`,
        this.params("sync_all", { pos_id: this.posId, run_ID: this.runId }, { immediate_rerendering: true, ...(uid ? { uid } : {}) }),
      );
    } catch (error) {
      this.unansweredSyncs += 1;
      throw error;
    }
    this.syncReplyIds.push(reply.data.message_ID);
    this.applySyncAll(reply);
  }

  private params(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return {
      multi_session_id: this.multiSessionId,
      dbname: this.dbname,
      user_ID: this.userId,
      // data.pos_id: the Odoo POS puts its id on every message it sends (fault rules match on it).
      message: { action, data: { ...data, pos_id: this.posId }, session_id: this.sessionId, login_number: this.loginNumber, ...extra },
    };
  }

  private queueLocal<T>(work: () => Promise<T>): Promise<T> {
    const done = this.queue.then(work);
    this.queue = done.catch(() => undefined);
    return done;
  }

  /** uid -> revision, for comparing terminals with each other and with the server. */
  revisions(): Record<string, number> {
    return Object.fromEntries([...this.orders.values()].map((order) => [order.uid, order.revision]).sort());
  }
}

export const line = (uid: string, qty: number, extra: Record<string, unknown> = {}) => ({ uid, product_id: 1, qty, ...extra });
