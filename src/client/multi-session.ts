import type { BackoffOptions } from "./backoff.ts";
import type { ConnectionState } from "./connection-monitor.ts";
import { Emitter } from "./emitter.ts";
import { StoppedError } from "./errors.ts";
import { LongpollBus, type LongpollBusOptions } from "./longpoll-bus.ts";
import { isRevisionError } from "../protocol/revision-error.ts";
import type { MultiSessionMessage, OrderData, RemoveOrderReply, SyncAllData, SyncAllReply, UpdateOrderReply, UpdateParams } from "../protocol/messages.ts";
import { MessageSequence } from "./message-sequence.ts";
import { newNonce } from "./nonce.ts";
import { OrderBook, type LocalOrder } from "./order-book.ts";
import { RequestQueue } from "./request-queue.ts";
import { CHANNEL } from "../protocol/channels.ts";
import { ROUTES } from "../protocol/routes.ts";
import { withStartTimeout } from "./start-timeout.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface MultiSessionClientOptions extends TransportOptions {
  dbname: string;
  multiSessionId: number;
  posId: number;
  userId: number;
  /** The POS session and its login number: together they tell our own broadcasts apart. */
  sessionId: number;
  loginNumber: number;
  runId?: number;
  /** A bus shared with other channels; without one the client makes its own and starts/stops it. */
  bus?: LongpollBus;
  busOptions?: Partial<LongpollBusOptions>;
  /** Default 30 000, as in the original. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
}

export type UpdateResult =
  /** `sequenceNumber` is absent when the update of an existing order carried none (the server then sends no order_ID). */
  | { status: "accepted"; uid: string; revisionId: number; sequenceNumber: number | undefined }
  | { status: "conflict"; uid: string; state: string | false }
  | { status: "duplicate"; uid: string }
  | { status: "dropped"; uid: string };

export type RemoveResult = { status: "removed"; uid: string } | { status: "conflict"; uid: string; state: string | false };

export interface SyncResult {
  uid?: string;
  messageId: number;
  orders: number;
}

export type ChangeSource = "broadcast" | "sync";

export type MultiSessionEvents = {
  orderUpdated: { uid: string; order: LocalOrder; source: ChangeSource };
  orderRemoved: { uid: string; source: ChangeSource | "local" };
  synced: SyncResult;
  connection: ConnectionState;
  /** Our change lost against another terminal's; the order was re-synced ("try your action again"). */
  conflict: { uid: string; state: string | false };
  /** A broadcast of another action than the order ones, from another terminal. */
  message: MultiSessionMessage;
  error: unknown;
};

/** A terminal of a shared order session: queued sends, revision handling, message_ID gap detection. */
export class MultiSessionClient extends Emitter<MultiSessionEvents> {
  private readonly transport: Transport;
  private readonly bus: LongpollBus;
  private readonly ownsBus: boolean;
  private readonly queue: RequestQueue;
  private readonly book = new OrderBook();
  private readonly pendingUpdates = new Map<string, Promise<UpdateResult>>();
  /** Single-order syncs in flight: each reply spends a message_ID that no broadcast will carry. */
  private spendingSyncs = 0;
  private readonly detach: Array<() => void> = [];
  /** Bus messages held while a full sync is on its way; replayed against its snapshot. */
  private readonly held: MultiSessionMessage[] = [];
  private readonly sequence = new MessageSequence();
  private orderId = 0;
  private fullSync: { promise: Promise<SyncResult>; started: boolean } | undefined;
  private sendFailing = false;
  private wasOffline = false;
  private connectionState: ConnectionState;

  constructor(private readonly options: MultiSessionClientOptions) {
    super();
    this.transport = new Transport(options);
    this.ownsBus = !options.bus;
    this.bus = options.bus ?? new LongpollBus({ ...options, posId: options.posId, ...options.busOptions });
    this.connectionState = this.bus.state;
    this.queue = new RequestQueue({
      backoff: options.backoff,
      onFailing: () => this.setSendFailing(true),
      onRecovered: () => this.setSendFailing(false),
    });
  }

  get orders(): ReadonlyMap<string, LocalOrder> {
    return this.book.snapshot();
  }

  getOrder(uid: string): LocalOrder | undefined {
    return this.book.get(uid);
  }

  /** The message_ID of the last notification taken into account. */
  get messageId(): number | undefined {
    return this.sequence.current;
  }

  get connection(): ConnectionState {
    return this.connectionState;
  }

  /** Requests waiting or in flight. */
  get pending(): number {
    return this.queue.size;
  }

  /**
   * Subscribes to the bus and loads the session's orders; resolves after the first sync_all.
   * A server that cannot be reached is retried with backoff for as long as it takes (the
   * `connection` event says "offline" meanwhile), unless `timeoutMs` is given: then start()
   * rejects with StartTimeoutError after that long and the client is stopped.
   */
  async start(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.detach.length > 0) throw new Error("MultiSessionClient.start() was already called");
    this.detach.push(
      this.bus.addChannelCallback(CHANNEL.multiSession, (message) => this.onBusMessage(message as MultiSessionMessage)),
      this.bus.on("state", () => this.updateConnection()),
    );
    if (this.ownsBus) this.bus.start();
    await withStartTimeout(this.requestFullSync(), options.timeoutMs, () => this.stop());
  }

  /** Aborts the request in flight, rejects what is queued, and stops an owned bus. */
  stop(): void {
    this.queue.close();
    for (const off of this.detach.splice(0)) off();
    if (this.ownsBus) this.bus.stop();
  }

  /**
   * Sends the order as it is now. Edits made before the request leaves are coalesced into it,
   * and its revision is read when it leaves, so edits queued behind our own pending ones do
   * not collide with them.
   */
  updateOrder(order: OrderData): Promise<UpdateResult> {
    if (this.book.entry(order.uid)?.removing) return Promise.resolve({ status: "dropped", uid: order.uid });
    this.book.edit(order);
    const pending = this.pendingUpdates.get(order.uid);
    if (pending) return pending;
    const promise = this.queue.push(this.updateTask(order.uid));
    this.pendingUpdates.set(order.uid, promise);
    return promise;
  }

  /**
   * Removes the order here at once and on the server when its turn comes. `orderData` is the
   * POS's saved order (`{id, data}`) for an order paid offline that the server may never have seen.
   */
  removeOrder(uid: string, options: { finalized?: boolean; orderData?: unknown } = {}): Promise<RemoveResult> {
    this.book.markRemoving(uid, true);
    let message: MultiSessionMessage | undefined;
    return this.queue.push(async (signal) => {
      message ??= this.envelope("remove_order", {
        uid,
        revision_ID: this.book.entry(uid)?.revisionId ?? 1,
        finalized: options.finalized ?? false,
        ...(options.orderData === undefined ? {} : { order_data: JSON.stringify(options.orderData) }),
      });
      const reply = await this.send<RemoveOrderReply>(message, signal);
      if (isRevisionError(reply) && reply.state !== "deleted") {
        this.book.markRemoving(uid, false);
        this.onConflict(uid, reply.state);
        return { status: "conflict", uid, state: reply.state };
      }
      if (!isRevisionError(reply)) this.orderId = Math.max(this.orderId, reply.order_ID);
      if (this.book.deleteForGood(uid)) this.emit("orderRemoved", { uid, source: "local" });
      return { status: "removed", uid };
    });
  }

  /** Fetches the server's copy of one order, or of the whole session. */
  syncAll(options: { uid?: string } = {}): Promise<SyncResult> {
    return options.uid === undefined ? this.requestFullSync() : this.queue.push(this.syncTask(options.uid));
  }

  /** Any other action: relayed as is to every terminal of the session. */
  broadcast(action: string, data: Record<string, unknown> = {}): Promise<unknown> {
    let message: MultiSessionMessage | undefined;
    return this.queue.push((signal) => {
      message ??= this.envelope(action, data);
      return this.send(message, signal);
    });
  }

  /** Resolves once everything queued before this call has been answered. */
  flush(): Promise<void> {
    return this.queue.push(async () => undefined);
  }

  private updateTask(uid: string) {
    let message: MultiSessionMessage | undefined;
    return async (signal: AbortSignal): Promise<UpdateResult> => {
      if (!message) {
        // From here on, new edits need a request of their own.
        this.pendingUpdates.delete(uid);
        const entry = this.book.entry(uid);
        if (!entry) return { status: "dropped", uid };
        message = this.envelope("update_order", {
          ...entry.data,
          uid,
          revision_ID: entry.revisionId,
          run_ID: entry.data.run_ID ?? this.options.runId ?? 1,
          sequence_number: entry.data.sequence_number ?? this.orderId + 1,
        });
        this.book.noteSent(uid, message.data.nonce as string);
      }
      const reply = await this.send<UpdateOrderReply>(message, signal);
      return this.onUpdateReply(uid, reply);
    };
  }

  private onUpdateReply(uid: string, reply: UpdateOrderReply): UpdateResult {
    if (reply.action === "update_revision_ID") {
      if (reply.order_ID !== undefined) this.orderId = Math.max(this.orderId, reply.order_ID);
      this.book.accepted(uid, reply.revision_ID, reply.order_ID);
      return { status: "accepted", uid, revisionId: reply.revision_ID, sequenceNumber: reply.order_ID };
    }
    if (reply.action === "revision_error") {
      if (reply.state === "deleted") {
        if (this.book.deleteForGood(uid)) this.emit("orderRemoved", { uid, source: "sync" });
      } else {
        this.onConflict(uid, reply.state);
      }
      return { status: "conflict", uid, state: reply.state };
    }
    // A retry of a request the server had applied: its reply was lost, so fetch the revision it made.
    this.resyncOrder(uid);
    return { status: "duplicate", uid };
  }

  private onConflict(uid: string, state: string | false): void {
    this.emit("conflict", { uid, state });
    this.resyncOrder(uid);
  }

  /** Ahead of queued updates, so they leave with the server's revision. */
  private resyncOrder(uid: string): void {
    this.queue.push(this.syncTask(uid), { first: true }).catch((error: unknown) => {
      if (!(error instanceof StoppedError)) this.emit("error", error);
    });
  }

  private syncTask(uid?: string) {
    let message: MultiSessionMessage | undefined;
    return async (signal: AbortSignal): Promise<SyncResult> => {
      message ??= {
        ...this.envelope("sync_all", { run_ID: this.options.runId ?? 1 }),
        ...(uid === undefined ? {} : { uid }),
        immediate_rerendering: true,
      };
      if (uid === undefined) return this.applySync((await this.send<SyncAllReply>(message, signal)).data, uid);
      this.spendingSyncs++;
      try {
        return this.applySync((await this.send<SyncAllReply>(message, signal)).data, uid);
      } finally {
        this.spendingSyncs--;
        if (this.spendingSyncs === 0) this.replayHeld();
      }
    };
  }

  private requestFullSync(options: { first?: boolean } = {}): Promise<SyncResult> {
    if (this.fullSync && !this.fullSync.started) return this.fullSync.promise;
    const state = { started: false, promise: undefined as unknown as Promise<SyncResult> };
    const task = this.syncTask();
    state.promise = this.queue.push(async (signal) => {
      state.started = true;
      return task(signal);
    }, options);
    this.fullSync = state;
    const settle = (): void => {
      if (this.fullSync === state) this.fullSync = undefined;
      this.replayHeld();
    };
    state.promise.then(settle, (error: unknown) => {
      settle();
      if (!(error instanceof StoppedError)) this.emit("error", error);
    });
    return state.promise;
  }

  private applySync(data: SyncAllData, uid: string | undefined): SyncResult {
    this.orderId = data.order_ID;
    const seen = new Set<string>();
    for (const order of data.orders) {
      seen.add(order.data.uid);
      this.applyServerCopy(order.data, "sync");
    }
    if (uid === undefined) {
      this.dropOrdersGoneFromServer(seen);
      this.sequence.coveredUpTo(data.message_ID);
    } else {
      this.sequence.spend(data.message_ID);
    }
    const result: SyncResult = { ...(uid === undefined ? {} : { uid }), messageId: data.message_ID, orders: data.orders.length };
    this.emit("synced", result);
    return result;
  }

  /** Orders the server had and no longer lists were removed (or closed) elsewhere; ours never sent are kept and sent. */
  private dropOrdersGoneFromServer(seen: Set<string>): void {
    for (const uid of this.book.uids()) {
      const entry = this.book.entry(uid);
      if (!entry || seen.has(uid) || entry.removing || this.pendingUpdates.has(uid)) continue;
      if (entry.onServer) {
        this.book.delete(uid);
        this.emit("orderRemoved", { uid, source: "sync" });
      } else {
        void this.updateOrder(entry.data).catch((error: unknown) => {
          if (!(error instanceof StoppedError)) this.emit("error", error);
        });
      }
    }
  }

  private applyServerCopy(data: OrderData, source: ChangeSource): void {
    if (this.book.entry(data.uid)?.removing) {
      // Our removal is queued: take the revision so it goes through, keep the order hidden.
      this.book.apply(data);
      return;
    }
    if (this.book.apply(data) === "applied") {
      const order = this.book.get(data.uid);
      if (order) this.emit("orderUpdated", { uid: data.uid, order, source });
    }
  }

  private onBusMessage(message: MultiSessionMessage): void {
    if (this.sequence.current === undefined || this.fullSync?.started) {
      this.held.push(message);
      return;
    }
    this.handle(message);
  }

  private replayHeld(): void {
    if (this.sequence.current === undefined) return;
    for (const message of this.held.splice(0)) {
      if (this.fullSync?.started) this.held.push(message);
      else this.handle(message);
    }
  }

  private handle(message: MultiSessionMessage): void {
    const data = message.data ?? {};
    if (message.action === "sync_all") {
      this.handleBusSync(data as unknown as SyncAllData);
      return;
    }
    const step = typeof data.message_ID === "number" ? this.sequence.check(data.message_ID) : "next";
    if (step === "seen") return; // already in a snapshot we applied
    if (step === "gap" && this.spendingSyncs > 0) {
      // The missing value may be the one our single-order sync in flight spends: its reply and
      // this broadcast travel on different connections, and the stream often wins.
      this.held.push(message);
      return;
    }
    if (step === "gap") {
      // Something was lost (garbage-collected while we were away): start over from a snapshot.
      this.held.push(message);
      void this.requestFullSync({ first: true }).catch(() => undefined);
      return;
    }
    if (this.isOwn(message)) {
      // Only the revision: our data may already hold edits made after this one.
      if (message.action === "update_order") this.book.ownRevision(String(data.uid), Number(data.revision_ID));
      return;
    }
    if (message.action === "update_order") this.applyServerCopy(data as OrderData, "broadcast");
    else if (message.action === "remove_order") this.removedElsewhere(String(data.uid));
    else this.emit("message", message);
  }

  /** A sync_all answered over the bus (a terminal of the same user asked without immediate_rerendering). */
  private handleBusSync(data: SyncAllData): void {
    if (data.message_ID < (this.sequence.current ?? 0)) return;
    for (const order of data.orders) this.applyServerCopy(order.data, "sync");
    if (!data.uid) this.sequence.coveredUpTo(data.message_ID);
    else if (this.sequence.check(data.message_ID) === "gap") void this.requestFullSync({ first: true }).catch(() => undefined);
  }

  private removedElsewhere(uid: string): void {
    if (this.book.deleteForGood(uid)) this.emit("orderRemoved", { uid, source: "broadcast" });
  }

  private isOwn(message: MultiSessionMessage): boolean {
    const sessionId = message.session_id ?? message.data?.session_id;
    const loginNumber = message.login_number ?? message.data?.login_number;
    return sessionId === this.options.sessionId && loginNumber === this.options.loginNumber;
  }

  private envelope(action: string, data: Record<string, unknown>): MultiSessionMessage {
    return {
      action,
      data: { ...data, pos_id: this.options.posId, nonce: newNonce() },
      session_id: this.options.sessionId,
      login_number: this.options.loginNumber,
    };
  }

  private send<T>(message: MultiSessionMessage, signal: AbortSignal): Promise<T> {
    const params: UpdateParams = {
      multi_session_id: this.options.multiSessionId,
      dbname: this.options.dbname,
      user_ID: this.options.userId,
      message,
    };
    return this.transport.call<T>(ROUTES.multiSessionUpdate, params, {
      signal,
      timeoutMs: this.options.requestTimeoutMs ?? 30_000,
    });
  }

  private setSendFailing(failing: boolean): void {
    this.sendFailing = failing;
    if (!failing) {
      this.wasOffline = false;
      void this.requestFullSync().catch(() => undefined);
    }
    this.updateConnection();
  }

  private updateConnection(): void {
    const state: ConnectionState = this.sendFailing ? "offline" : this.bus.state;
    if (state === "offline") this.wasOffline = true;
    if (state === "online") {
      this.queue.wake();
      // The bus catches up from its cursor, but what was garbage-collected meanwhile only a snapshot brings back.
      if (this.wasOffline) void this.requestFullSync().catch(() => undefined);
      this.wasOffline = false;
    }
    if (state !== this.connectionState) {
      this.connectionState = state;
      this.emit("connection", state);
    }
  }
}
