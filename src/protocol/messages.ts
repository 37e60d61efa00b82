import { z } from "zod";
import { DBNAME_PATTERN } from "./channels.ts";

/**
 * The params of every route and the messages of /pos_multi_session_sync/update. Order payloads
 * are opaque: only the fields the rules read are checked, everything else is stored and relayed
 * untouched. Error texts name what was expected; the server prefixes the field's path.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const dbnameSchema = z
  .string({ error: "expected a database name" })
  .regex(DBNAME_PATTERN, "a database name is 1-63 letters, digits, '_', '.' or '-', starting with a letter or digit");

/** An integer, or its decimal digits as a string: the original read these fields with int(). */
export const integer = (what: string) =>
  z.union(
    [
      z.number().int(),
      z
        .string()
        .regex(/^-?\d{1,15}$/)
        .transform(Number),
    ],
    { error: `expected ${what} (an integer)` },
  );

const channelString = z.string({ error: "only string channels are allowed" });

// --- /longpolling/poll, /longpolling/send, /pos_longpolling/update (docs/protocol.md, "Polling and cursors")

export const pollParamsSchema = z.object({
  channels: z.array(channelString, { error: "expected a list of channels" }),
  /** Required, as in the original's poll(channels, last, options). */
  last: z.number({ error: "expected a notification id (integer >= 0)" }).int().min(0),
  options: z.object({ peek: z.boolean().optional() }).loose().optional().default({}),
});
export type PollParams = z.input<typeof pollParamsSchema>;

/** The query of GET /longpolling/stream, once `channels` is JSON-decoded; `last` (or Last-Event-ID) as its digits. */
export const streamQuerySchema = z.object({
  channels: z.array(channelString, { error: "expected a JSON list of channels" }).min(1, "expected at least one channel"),
  last: z
    .string()
    .regex(/^\d{1,16}$/, "expected a notification id (integer >= 0)")
    .transform(Number)
    .refine(Number.isSafeInteger, "expected a notification id (integer >= 0)")
    .optional()
    .default(0),
});

/** One notification of a poll's result; `message` is whatever was sent, as JSON. */
export interface WireNotification {
  id: number;
  channel: string;
  message: unknown;
}

export const sendParamsSchema = z.object({
  channel: channelString,
  message: z.unknown(),
});
export type SendParams = z.input<typeof sendParamsSchema>;

export const pingParamsSchema = z.object({
  message: z.string().optional().default("PING"),
  pos_id: integer("a POS id"),
  db_name: dbnameSchema,
});
export type PingParams = z.input<typeof pingParamsSchema>;

// --- /pos_longpolling/backend/* (docs/protocol.md, "Routes")

const channelName = z.string({ error: "expected a channel name" }).min(1, "expected a channel name");

export const sendToChannelParamsSchema = z.object({
  dbname: dbnameSchema,
  pos_id: z.union([z.number().int(), z.string().min(1)], { error: "expected a POS id" }),
  channel_name: channelName,
  message: z.unknown().optional(),
});
export type SendToChannelParams = z.input<typeof sendToChannelParamsSchema>;

export const sendToAllParamsSchema = z.object({
  dbname: dbnameSchema,
  channel_name: channelName,
  data: z.unknown(),
});
export type SendToAllParams = z.input<typeof sendToAllParamsSchema>;

/** /pos_multi_session/test/gc takes no params (any are ignored). */
export const testGcParamsSchema = z.object({}).loose();

// --- /pos_multi_session_sync/update (docs/protocol.md, "Multi-session order sync")

export const updateRequestSchema = z.object({
  multi_session_id: integer("a multi-session id"),
  dbname: dbnameSchema,
  user_ID: integer("a user id"),
  message: z
    .object({
      action: z.string({ error: "expected an action name" }),
      data: z.record(z.string(), z.unknown()).optional(),
    })
    .loose(),
});
export type UpdateRequest = z.infer<typeof updateRequestSchema>;

export const runIdSchema = integer("a run number").optional();

const orderLinesSchema = z.array(z.unknown(), { error: "expected a list of [0, 0, {uid, ...}] lines" });

export const updateOrderDataSchema = z
  .object({
    uid: z.string({ error: "expected the order uid" }).min(1),
    revision_ID: integer("a revision number"),
    nonce: z.string({ error: "expected a nonce string" }).optional(),
    sequence_number: integer("a sequence number").optional(),
    run_ID: runIdSchema,
    lines: orderLinesSchema.optional(),
  })
  .loose();

export const syncAllSchema = z
  .object({
    uid: z.string().optional().nullable(),
    immediate_rerendering: z.unknown().optional(),
    data: z.object({ pos_id: integer("a POS id"), run_ID: runIdSchema }).loose(),
  })
  .loose();

export const removeOrderDataSchema = z
  .object({
    uid: z.string({ error: "expected the order uid" }).min(1),
    revision_ID: integer("a revision number").optional(),
    finalized: z.unknown().optional(),
    order_data: z.string({ error: "expected the saved order as a JSON string" }).optional().nullable(),
  })
  .loose();

/** The POS's own saved order, sent with remove_order when it was paid offline. */
export const offlineOrderSchema = z
  .object({
    id: z.string({ error: "expected the order uid" }),
    data: z.object({ sequence_number: integer("a sequence number").optional(), run_ID: runIdSchema }).loose(),
  })
  .loose();

/** An order as a terminal sends it in update_order's `data` (only the protocol's own fields typed). */
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

/** The `message` of an update request, as a terminal sends it and as broadcasts relay it. */
export interface MultiSessionMessage {
  action: string;
  data: Record<string, unknown>;
  session_id?: number;
  login_number?: number;
  uid?: string;
  immediate_rerendering?: boolean;
  [field: string]: unknown;
}

/** The params a terminal sends; what `updateRequestSchema` accepts. */
export interface UpdateParams extends z.input<typeof updateRequestSchema> {
  multi_session_id: number;
  dbname: string;
  user_ID: number;
  message: MultiSessionMessage;
}

export interface RevisionError {
  action: "revision_error";
  order_uid: string;
  state: string | false;
}

/** update_order accepted. `order_ID` is absent when an update of an existing order carried no sequence_number. */
export interface RevisionAccepted {
  action: "update_revision_ID";
  revision_ID: number;
  uid: string;
  order_ID?: number;
  run_ID: number;
}

export type UpdateOrderReply = RevisionAccepted | RevisionError | { action: "" };

export type RemoveOrderReply = { order_ID: number } | RevisionError;

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
