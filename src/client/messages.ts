/**
 * Wire shapes of /pos_multi_session_sync/update (PROTOCOL.md section 5). Order payloads are
 * opaque: only the fields the protocol names are typed, the rest travels untouched.
 */
export interface OrderData {
  uid: string;
  revision_ID?: number;
  run_ID?: number;
  sequence_number?: number;
  nonce?: string;
  message_ID?: number;
  lines?: unknown[];
  [field: string]: unknown;
}

export interface MultiSessionMessage {
  action: string;
  data: Record<string, unknown>;
  session_id?: number;
  login_number?: number;
  uid?: string;
  immediate_rerendering?: boolean;
  [field: string]: unknown;
}

export interface UpdateParams {
  multi_session_id: number;
  dbname: string;
  user_ID: number;
  message: MultiSessionMessage;
}

export type UpdateOrderReply =
  | { action: "update_revision_ID"; revision_ID: number; uid: string; order_ID: number; run_ID: number }
  | { action: "revision_error"; order_uid: string; state: string | false }
  | { action: "" };

export type RemoveOrderReply = { order_ID: number } | { action: "revision_error"; order_uid: string; state: string | false };

export interface SyncAllData {
  orders: Array<{ action?: string; data: OrderData }>;
  message_ID: number;
  order_ID: number;
  uid?: string | null | false;
  login_number?: number;
  session_id?: number;
}

export interface SyncAllReply {
  action: "sync_all";
  data: SyncAllData;
}

export function isRevisionError(reply: unknown): reply is { action: "revision_error"; order_uid: string; state: string | false } {
  return typeof reply === "object" && reply !== null && (reply as { action?: unknown }).action === "revision_error";
}

export function newNonce(): string {
  const uuid = globalThis.crypto?.randomUUID?.();
  return uuid ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
