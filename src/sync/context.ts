import type { Outbox } from "../bus/outbox.ts";
import type { MultiSession, StoreTx } from "../db/store.ts";
import type { JsonObject, RevisionAccepted, RevisionError } from "../protocol/messages.ts";

export type { RevisionAccepted, RevisionError };

/** An update_order's fields, named inside (docs/protocol.md, "Multi-session order sync"). */
export interface OrderUpdate {
  uid: string;
  revisionId: number;
  nonce: string | undefined;
  sequenceNumber: number | undefined;
  runId: number | undefined;
}

/** What every rule works on: one request, inside its transaction. */
export interface SyncContext {
  tx: StoreTx;
  outbox: Outbox;
  dbname: string;
  userId: number;
  session: MultiSession;
  /** Epoch ms of the request (the server's clock). */
  now: number;
}

/** An update message: `data` is always an object here (an absent one becomes {}). */
export interface SyncMessage extends JsonObject {
  action: string;
  data: JsonObject;
}

export function revisionError(uid: string, state: string | undefined): RevisionError {
  return { action: "revision_error", order_uid: uid, state: state ?? false };
}
