import { randomUUID } from "node:crypto";
import { call, rpc } from "./rpc.ts";
import { nodeUrlFor } from "./cluster.ts";
import { PosPoller } from "./poller.ts";

/**
 * A terminal that behaves like the unmodified Odoo 12 POS with pos_multi_session, in the
 * points that decide whether edits survive a conflict:
 * - its bus is PosPoller: both channels in one poll, a PING at start, a failed poll retried;
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
 *
 * Besides the cashier (newOrder, addProduct...), a test can speak the wire through it:
 * `editOrder` sends exactly the lines it is given, `send` any message, `syncAll` a sync_all
 * whose reply is applied at once (immediate_rerendering).
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
  /** The order as this terminal last sent it or received it, on the wire. */
  data: Record<string, any>;
}

type Message = { action: string; data: Record<string, any>; session_id?: unknown; login_number?: unknown };

export interface SimulatedPosOptions {
  posId: number;
  userId?: number;
  dbname?: string;
  multiSessionId?: number;
  runId?: number;
  /** Behave as the POS does when a request fails (above); without it a failed request throws. */
  offlineSyncMs?: number;
  /**
   * A deliberately lenient terminal for wire-level tests that count every message_ID: a gap is
   * counted but asks for no sync_all, and a broadcast older than the revision it holds (a reply
   * and a broadcast crossed) is not applied; an applied one replaces the order as sent.
   */
  lenient?: boolean;
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
  runId: number;
  readonly orders = new Map<string, PosOrder>();
  readonly poller: PosPoller;
  messageId = 0;
  /** "There is a conflict during synchronization, try your action again" shown. */
  warnings = 0;
  /** message_ID gaps (each asked for a full sync_all unless lenient). */
  gaps = 0;
  /** message_ID of every notification received, in order. */
  readonly messageIds: number[] = [];
  /** message_ID of every sync_all reply received directly. */
  readonly syncReplyIds: number[] = [];
  /**
   * sync_all requests (syncAll) that got no reply. The server may have committed one before
   * dying: it took the terminal's next message_ID for a reply nobody received.
   */
  unansweredSyncs = 0;
  /** What happened, for debugging a failing scenario. */
  readonly trace: string[] = [];
  /** Every reply to update_order, in order. */
  readonly replies: any[] = [];
  /** MultiSession.client_online: false from a failed request until one is answered. */
  online = true;
  /** Requests that failed, as "<action>: HTTP <status> <message>". */
  readonly failures: string[] = [];
  /** HTTP headers on every request (the slow-connection test mode delays replies). */
  headers: Record<string, string> | undefined;
  /** The node it speaks to (on the cluster run, one of two by its pos id). */
  url: string;
  private offlineTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private readonly offlineSyncMs: number | undefined;
  private readonly lenient: boolean;
  private nextLineId = 1;
  /** Polled but not yet applied. */
  private readonly inbox: Message[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(url: string, options: SimulatedPosOptions) {
    this.url = nodeUrlFor(url, options.posId);
    this.posId = options.posId;
    this.userId = options.userId ?? options.posId;
    this.dbname = options.dbname ?? "shop1";
    this.multiSessionId = options.multiSessionId ?? 1;
    this.runId = options.runId ?? 1;
    this.sessionId = 100 + options.posId;
    this.poller = new PosPoller(this.url, this.dbname, this.posId);
    this.offlineSyncMs = options.offlineSyncMs;
    this.lenient = options.lenient ?? false;
  }

  /** Stops the offline sync timer (the page closed). */
  stop(): void {
    clearInterval(this.offlineTimer);
    this.offlineTimer = undefined;
  }

  /** Loading the POS: sync_all answered directly, then the bus cursor set past what came before. */
  async start(): Promise<void> {
    const reply = await this.rpc<Message>("sync_all", { run_ID: this.runId }, { immediate_rerendering: true });
    this.updatesFromServer(reply);
    await this.poller.ping();
    await this.poller.pollOnce({ peek: true });
  }

  // ---- the cashier ----

  newOrder(uid: string, sequenceNumber = 1): Promise<void> {
    this.orders.set(uid, {
      uid,
      sequence_number: sequenceNumber,
      revision_ID: 1,
      run_ID: this.runId,
      partner_id: false,
      note: "",
      lines: [],
      order_on_server: false,
      data: {},
    });
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

  /** uid -> revision, for comparing terminals with each other and with the server. */
  revisions(): Record<string, number> {
    return Object.fromEntries([...this.orders.values()].map((order) => [order.uid, order.revision_ID]).sort());
  }

  // ---- the wire, spoken by a test ----

  /** Sends one message as it is given, from this terminal's session; queued behind its earlier sends. */
  send<T = any>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}, headers?: Record<string, string>): Promise<T> {
    const message = { action, data, session_id: this.sessionId, login_number: this.loginNumber, ...extra };
    return this.queued(() => call<T>(this.updateUrl, this.envelope(message), headers));
  }

  /** sync_all with the reply applied at once (immediate_rerendering), queued behind earlier sends. */
  syncAll(uid?: string): Promise<Message> {
    return this.queued(() => this.syncAllNow(uid));
  }

  /** The order now holds exactly `lines`, sent as they are; a revision_error is followed by a sync_all of that order. */
  editOrder(uid: string, lines: Record<string, unknown>[], headers?: Record<string, string>): Promise<any> {
    return this.queued(async () => {
      const known = this.orders.get(uid);
      const data = {
        ...known?.data,
        uid,
        revision_ID: known?.revision_ID ?? 1,
        nonce: randomUUID(),
        sequence_number: known?.sequence_number ?? 1,
        run_ID: this.runId,
        lines: lines.map((line) => [0, 0, line]),
      };
      const reply = await call<any>(this.updateUrl, this.wireParams("update_order", data), headers);
      if (reply.action === "update_revision_ID") {
        this.remember({ ...data, revision_ID: reply.revision_ID, sequence_number: reply.order_ID });
      } else if (reply.action === "revision_error" && reply.state === "deleted") {
        this.orders.delete(uid);
      } else if (reply.action === "revision_error") {
        await this.syncAllNow(uid);
      }
      return reply;
    });
  }

  removeOrder(uid: string, extra: Record<string, unknown> = {}): Promise<any> {
    return this.queued(async () => {
      const revision = this.orders.get(uid)?.revision_ID ?? 1;
      const reply = await call<any>(this.updateUrl, this.wireParams("remove_order", { uid, revision_ID: revision, finalized: true, ...extra }));
      if (reply.action !== "revision_error") this.orders.delete(uid);
      return reply;
    });
  }

  /** Sends and polls to another server (another node), keeping the cursor. */
  moveTo(url: string): void {
    this.url = url;
    this.poller.url = url;
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

  /** Polls (waiting for them) until `count` more messages arrived, and applies them. */
  async receive(count: number): Promise<Message[]> {
    const start = this.poller.received.length;
    await this.poller.receive(start + count);
    const messages = this.poller.received.slice(start).map((notification) => notification.message as Message);
    for (const message of messages) this.updatesFromServerCallback(message);
    return messages;
  }

  /** Polls (at most `maxPolls` times) until it holds order `uid`, applying what arrives. */
  async receiveOrder(uid: string, maxPolls = 10): Promise<PosOrder> {
    for (let polls = 0; !this.orders.has(uid); polls++) {
      if (polls >= maxPolls) throw new Error(`POS ${this.posId} did not receive order ${uid} in ${maxPolls} polls`);
      for (const notification of await this.poller.pollOnce()) this.updatesFromServerCallback(notification.message as Message);
    }
    return this.orders.get(uid)!;
  }

  /** Skips whatever is waiting on the channel right now, as a terminal that missed it; how many it skipped. */
  async miss(): Promise<number> {
    return (await this.poller.pollOnce({ peek: true })).length;
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
        for (const notification of batch) this.updatesFromServerCallback(notification.message as Message);
      }
    })();
    return async () => {
      stopped = true;
      await loop;
      await this.catchUp();
    };
  }

  /** Waits until this terminal has nothing in flight. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.queue;
  }

  private updatesFromServerCallback(message: Message): void {
    this.messageIds.push(message.data?.message_ID);
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
    if (this.messageId + 1 !== data.message_ID && (this.messageId !== 0 || !this.lenient)) {
      this.gaps += 1;
      if (!this.lenient) void this.requestSyncAll();
    }
    if (this.lenient || this.messageId + 1 === data.message_ID) this.messageId = data.message_ID;
    if (message.action === "remove_order") this.orders.delete(data.uid);
    else if (message.action === "update_order") this.msUpdateOrder(this.orders.get(data.uid), data);
  }

  private msUpdateOrder(order: PosOrder | undefined, data: Record<string, any>): void {
    if (this.lenient) {
      this.remember(data);
      return;
    }
    if (!order) {
      this.orders.set(data.uid, this.orderFromJson(data));
      return;
    }
    order.data = data;
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
    const order = this.orderAsSent(data);
    order.lines = [];
    for (const [, , dline] of data.lines as [number, number, Record<string, any>][]) {
      const id: number = dline.id ?? this.nextLineId; // a test's wire line may have no id
      this.nextLineId = Math.max(this.nextLineId, id + 1);
      // Orderline.initialize resets ms_info after init_from_JSON.
      order.lines.push({ ...wireLine(dline), id, uid: `${this.uidPrefix(order)}-${id}`, ms_info: {} });
    }
    return order;
  }

  /** The lenient terminal's view: an order as sent, unless it holds a newer revision (a reply and a broadcast crossed). */
  private remember(data: Record<string, any>): void {
    const known = this.orders.get(data.uid);
    if (!known || known.revision_ID <= data.revision_ID) this.orders.set(data.uid, this.orderAsSent(data));
  }

  private orderAsSent(data: Record<string, any>): PosOrder {
    return {
      uid: data.uid,
      sequence_number: data.sequence_number,
      revision_ID: data.revision_ID,
      run_ID: data.run_ID ?? this.runId,
      partner_id: data.partner_id ?? false,
      note: data.note ?? "",
      lines: ((data.lines ?? []) as [number, number, Record<string, any>][]).map(([, , dline]) => wireLine(dline)),
      order_on_server: true,
      data,
    };
  }

  /** A sync_all reply applied whole: the orders it names replace what the terminal holds (all of them without a uid). */
  private applySyncAllReply(reply: Message): void {
    const { orders, message_ID, uid } = reply.data as { orders: Message[]; message_ID: number; uid: string | null };
    this.messageId = message_ID;
    if (!uid) this.orders.clear();
    for (const order of orders) this.orders.set(order.data.uid, this.orderAsSent(order.data));
    if (uid && !orders.length) this.orders.delete(uid);
  }

  /** sync_all as `syncAll`, but not queued behind this terminal's sends. */
  async syncAllNow(uid?: string): Promise<Message> {
    let reply: Message;
    try {
      reply = await call<Message>(
        this.updateUrl,
        this.wireParams("sync_all", { run_ID: this.runId }, { immediate_rerendering: true, ...(uid ? { uid } : {}) }),
      );
    } catch (error) {
      this.unansweredSyncs += 1;
      throw error;
    }
    this.syncReplyIds.push(reply.data.message_ID);
    this.applySyncAllReply(reply);
    return reply;
  }

  // ---- the server ----

  private sendOrder(uid: string): Promise<void> {
    return this.enqueue(async () => {
      const order = this.orders.get(uid);
      if (!order) return;
      const sent = this.exportAsJson(order);
      this.trace.push(`send rev=${order.revision_ID} ${linesText(sent.lines)}`);
      const reply = await this.sendHandled<any>("update_order", sent);
      if (reply === undefined) return; // update(data).done(...) never runs: the lines stay offline
      this.trace.push(`reply ${JSON.stringify(reply)}`);
      this.replies.push(reply);
      if (reply.action === "revision_error" && reply.state === "deleted") {
        this.orders.delete(uid);
      } else if (reply.action === "revision_error") {
        this.warnings += 1;
        await this.rpc("sync_all", { run_ID: this.runId }, { uid });
      } else if (reply.action === "update_revision_ID" && reply.revision_ID > order.revision_ID) {
        order.revision_ID = reply.revision_ID;
      }
      // update(data).done(...) runs on any answer, a revision_error included.
      order.order_on_server = true;
      order.data = sent;
      for (const line of order.lines) line.offline = false;
    });
  }

  private requestSyncAll(): Promise<void> {
    return this.enqueue(async () => {
      await this.sendHandled("sync_all", { run_ID: this.runId });
    });
  }

  /** Outside the update queue, as MultiSession.request_sync_all; one at a time (on_syncing). */
  private async offlineSyncAll(): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      await this.sendHandled("sync_all", { run_ID: this.runId });
    } finally {
      this.syncing = false;
    }
  }

  /** MultiSession.send: the reply, or undefined after a failure handled as the POS does (without offlineSyncMs: thrown). */
  private async sendHandled<T>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<T | undefined> {
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

  /** The POS's own request: its pos id and a fresh nonce on the data. */
  private async rpc<T>(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<T> {
    const message = {
      action,
      data: { ...data, pos_id: this.posId, nonce: randomUUID() },
      session_id: this.sessionId,
      login_number: this.loginNumber,
      ...extra,
    };
    const params = this.envelope(message);
    if (this.offlineSyncMs === undefined) return call<T>(this.updateUrl, params, this.headers);
    let reply: Awaited<ReturnType<typeof rpc<T>>>;
    try {
      reply = await rpc<T>(this.updateUrl, params, this.headers ? { headers: this.headers } : {});
    } catch (error) {
      throw new PosRpcFailure("xhrerror", 0, undefined, (error as Error).message);
    }
    // jQuery fails any status outside 2xx before the body is read: session.rpc's "xhrerror".
    if (reply.status < 200 || reply.status >= 300) throw new PosRpcFailure("xhrerror", reply.status, undefined, reply.body.error?.data?.message ?? "");
    if (reply.body.error)
      throw new PosRpcFailure("server", reply.status, reply.body.error.data?.name, reply.body.error.data?.message ?? reply.body.error.message);
    return reply.body.result as T;
  }

  private get updateUrl(): string {
    return `${this.url}/pos_multi_session_sync/update`;
  }

  private envelope(message: Record<string, unknown>) {
    return { multi_session_id: this.multiSessionId, dbname: this.dbname, user_ID: this.userId, message };
  }

  /** data.pos_id: the Odoo POS puts its id on every message it sends (fault rules match on it). */
  private wireParams(action: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    return this.envelope({ action, data: { ...data, pos_id: this.posId }, session_id: this.sessionId, login_number: this.loginNumber, ...extra });
  }

  /** One request in flight at a time; the cashier's own sends are counted, so `idle` can wait for them. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.pending += 1;
    return this.queued(work).finally(() => {
      this.pending -= 1;
    });
  }

  /** A test's wire sends take the same queue, but `idle` (and so `catchUp`) does not wait for them. */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    const done = this.queue.then(work);
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

function wireLine(dline: Record<string, any>): PosLine {
  return {
    uid: dline.uid,
    id: dline.id,
    product_id: dline.product_id,
    qty: dline.qty,
    price_unit: dline.price_unit,
    discount: dline.discount ?? 0,
    ms_info: dline.ms_info ?? {},
    offline: false,
  };
}

/** The POS's Orderline.apply_ms_data: quantity, price and discount. */
function applyLineData(line: PosLine, dline: Record<string, any>): void {
  line.ms_info = dline.ms_info ?? {};
  if (dline.qty !== undefined) line.qty = dline.qty;
  if (dline.price_unit !== undefined) line.price_unit = dline.price_unit;
  if (dline.discount !== undefined) line.discount = dline.discount;
}

/** A line as a test writes it on the wire: product 1 unless told. */
export const line = (uid: string, qty: number, extra: Record<string, unknown> = {}) => ({ uid, product_id: 1, qty, ...extra });

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

/** What the server holds (uid -> revision), seen by a terminal that loads from scratch. */
export async function serverRevisions(url: string, options: Partial<SimulatedPosOptions> = {}): Promise<Record<string, number>> {
  const observer = new SimulatedPos(url, { posId: 99, ...options });
  await observer.syncAll();
  return observer.revisions();
}

/** Terminals of these pos ids, each loaded as the POS loads (start), in order. */
export async function startedTerminals<const PosIds extends readonly number[]>(
  url: string,
  posIds: PosIds,
  options: Omit<SimulatedPosOptions, "posId"> = {},
): Promise<{ [K in keyof PosIds]: SimulatedPos }> {
  const terminals = posIds.map((posId) => new SimulatedPos(url, { ...options, posId }));
  for (const terminal of terminals) await terminal.start();
  return terminals as unknown as { [K in keyof PosIds]: SimulatedPos };
}

/** The original add-on's two terminals, "admin" (pos 1, user 1) and "demo" (pos 2, user 2), each registered with a sync_all. */
export async function adminAndDemo(
  url: string,
  options: Omit<SimulatedPosOptions, "posId" | "userId"> = {},
): Promise<{ admin: SimulatedPos; demo: SimulatedPos }> {
  const admin = new SimulatedPos(url, { ...options, posId: 1, userId: 1 });
  const demo = new SimulatedPos(url, { ...options, posId: 2, userId: 2 });
  await admin.syncAll();
  await demo.syncAll();
  return { admin, demo };
}

/** Terminals registered with a sync_all each (how the wire-level tests start them), in order. */
export async function syncedTerminals<const Specs extends readonly SimulatedPosOptions[]>(
  url: string,
  specs: Specs,
): Promise<{ [K in keyof Specs]: SimulatedPos }> {
  const terminals = specs.map((spec) => new SimulatedPos(url, spec));
  for (const terminal of terminals) await terminal.syncAll();
  return terminals as unknown as { [K in keyof Specs]: SimulatedPos };
}
