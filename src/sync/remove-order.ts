import { ValidationError } from "../errors.ts";
import { parseOrThrow } from "../validation.ts";
import { broadcast } from "./broadcast.ts";
import type { RevisionError, SyncContext, SyncMessage } from "./context.ts";
import { offlineOrderSchema, type JsonObject } from "../protocol/messages.ts";
import { refuse, storeNewOrder } from "./update-order.ts";

export interface OrderRemoval {
  uid: string;
  revisionId: number | undefined;
  /** The POS's own saved order (JSON text), sent when the order was paid offline. */
  orderData: string | undefined;
}

const PAID_OFFLINE_NONCE = "paid offline";

/** Step 4, remove_order. */
export async function removeOrder(ctx: SyncContext, message: SyncMessage, removal: OrderRemoval): Promise<{ order_ID: number } | RevisionError> {
  const { tx, dbname, session } = ctx;
  let order = await tx.getOrder(dbname, session.multiSessionId, removal.uid);
  if (!order && removal.orderData) order = await storeOrderPaidOffline(ctx, removal.uid, removal.orderData);

  if (order?.state !== "deleted" && removal.revisionId !== (order?.revisionId ?? 1)) {
    return refuse(ctx, message, removal.uid, order, "revision_error");
  }
  if (order && order.state !== "deleted") await tx.saveOrder({ ...order, state: "deleted" });
  broadcast(ctx, message);
  return { order_ID: session.orderId };
}

/** The order never reached the server before it was paid: store it as update_order would. */
async function storeOrderPaidOffline(ctx: SyncContext, uid: string, orderData: string) {
  const saved = parseOfflineOrder(orderData);
  const data: JsonObject = { ...saved.data, uid, revision_ID: 1, nonce: PAID_OFFLINE_NONCE } as JsonObject;
  const message: SyncMessage = { action: "update_order", data };
  return storeNewOrder(ctx, message, {
    uid,
    revisionId: 1,
    nonce: PAID_OFFLINE_NONCE,
    sequenceNumber: saved.data.sequence_number,
    runId: saved.data.run_ID,
  });
}

function parseOfflineOrder(orderData: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(orderData);
  } catch {
    throw new ValidationError("message.data.order_data: expected the saved order as a JSON string");
  }
  return parseOrThrow(offlineOrderSchema, parsed, "message.data.order_data");
}
