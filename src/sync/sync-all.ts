import { CHANNEL, channelOf } from "../protocol/channels.ts";
import type { Order, Terminal } from "../db/contracts/sync-state.ts";
import { stamped } from "./broadcast.ts";
import type { SyncContext, SyncMessage } from "./context.ts";
import type { Json } from "../protocol/messages.ts";
import { markEveryLineChanged } from "./line-changes.ts";

export interface SyncAllRequest {
  posId: number;
  runId: number | undefined;
  /** Only this order, when given. */
  uid: string | undefined;
  immediateRerendering: boolean;
  loginNumber: Json | undefined;
  sessionId: Json | undefined;
}

/** Step 3, sync_all: the reply itself, or {} once it is on its way over the bus. */
export async function syncAll(ctx: SyncContext, request: SyncAllRequest): Promise<SyncMessage | Record<string, never>> {
  const terminal = await registerTerminal(ctx, request.posId);
  const orders = await ordersToSync(ctx, request);
  const reply: SyncMessage = {
    action: "sync_all",
    data: {
      orders: orders.map((order) => orderMessage(order, terminal.messageId, request.runId ?? ctx.session.runId)),
      message_ID: terminal.messageId,
      order_ID: ctx.session.orderId,
      uid: request.uid ?? null,
      login_number: request.loginNumber ?? null,
      session_id: request.sessionId ?? null,
    },
  };
  if (request.immediateRerendering) return reply;
  await sendToTerminalsOfUser(ctx, reply);
  return {};
}

/** A terminal moved here from another multi-session of the database is moved, not duplicated. */
async function registerTerminal(ctx: SyncContext, posId: number): Promise<Terminal> {
  const { tx, dbname, userId, session } = ctx;
  const known = await tx.getTerminal(dbname, posId);
  const terminal: Terminal = {
    dbname,
    posId,
    multiSessionId: session.multiSessionId,
    userId,
    messageId: (known?.messageId ?? 1) + 1,
  };
  await tx.saveTerminal(terminal);
  return terminal;
}

async function ordersToSync(ctx: SyncContext, request: SyncAllRequest): Promise<Order[]> {
  const { tx, dbname, session } = ctx;
  if (request.uid) {
    const order = await tx.getOrder(dbname, session.multiSessionId, request.uid);
    return order ? [order] : [];
  }
  return tx.listDraftOrders(dbname, session.multiSessionId, session.runId);
}

function orderMessage(order: Order, messageId: number, runId: number): SyncMessage {
  const message = JSON.parse(order.message) as SyncMessage;
  message.data = { ...message.data, message_ID: messageId, revision_ID: order.revisionId, run_ID: runId };
  markEveryLineChanged(message.data.lines);
  return message;
}

/** As in the original, only the requesting terminal's counter moved; the others get theirs as it is. */
async function sendToTerminalsOfUser(ctx: SyncContext, reply: SyncMessage): Promise<void> {
  const { tx, outbox, dbname, userId, session } = ctx;
  for (const terminal of await tx.listTerminals(dbname, session.multiSessionId)) {
    if (terminal.userId !== userId) continue;
    outbox.send(channelOf(dbname, CHANNEL.multiSession, terminal.posId), stamped(reply, terminal.messageId));
  }
}
