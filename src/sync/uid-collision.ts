import type { Order } from "../db/contracts/sync-state.ts";
import type { Json, JsonObject } from "../protocol/messages.ts";
import type { OrderUpdate, SyncMessage } from "./context.ts";

/**
 * Whether an update_order is the first revision of a different order that happens to carry a
 * uid the server already holds (itpp-labs/pos-addons #917, #383). The POS names an order
 * `<pos_session.id>-<login_number>-<sequence_number>`, and pos_multi_session resets
 * sequence_number from the multi-session's shared order_ID on every sync_all and accepted
 * update: a terminal that made orders offline, or two devices on one POS session, hand out a
 * number another order already took, so the uid is taken too. With revision 1 still stored the
 * newcomer passed the revision check and silently replaced the first order.
 *
 * Signs, read only from fields the POS already sends: revision 1 and `order_on_server: false`
 * (the sender made the order itself and never had it from the server; a terminal editing an
 * order it received sends true), and then either a different `creation_date`, or a different
 * creating terminal (ms_info.created.pos.id, else the pos_id of a first revision still stored).
 */
export function isUidCollision(stored: Order, message: SyncMessage, update: OrderUpdate): boolean {
  if (update.revisionId !== 1 || message.data.order_on_server !== false || stored.state === "deleted") return false;
  const storedData = dataOf(stored.message);
  const mine = message.data;
  if (typeof storedData.creation_date === "string" && typeof mine.creation_date === "string") return storedData.creation_date !== mine.creation_date;
  const creator = createdBy(storedData) ?? (stored.revisionId === 1 ? integerOrUndefined(storedData.pos_id) : undefined);
  const sender = createdBy(mine) ?? integerOrUndefined(mine.pos_id);
  return creator !== undefined && sender !== undefined && creator !== sender;
}

function createdBy(data: JsonObject): number | undefined {
  const created = objectOf(objectOf(data.ms_info)?.created);
  return integerOrUndefined(objectOf(created?.pos)?.id);
}

function dataOf(message: string): JsonObject {
  try {
    return objectOf((JSON.parse(message) as JsonObject).data) ?? {};
  } catch {
    return {};
  }
}

function objectOf(value: Json | undefined): JsonObject | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}

function integerOrUndefined(value: Json | undefined): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}
