import { z } from "zod";
import { DBNAME_PATTERN } from "../bus/channel.ts";

/**
 * The wire shapes of /pos_multi_session_sync/update. Order payloads are opaque: only the
 * fields the rules read are checked, everything else is stored and relayed untouched.
 */
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

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const jsonObject = z.record(z.string(), z.custom<Json>());

export const updateRequestSchema = z.object({
  multi_session_id: integer("a multi-session id"),
  dbname: dbnameSchema,
  user_ID: integer("a user id"),
  message: z
    .object({
      action: z.string({ error: "expected an action name" }),
      data: jsonObject.optional(),
    })
    .loose(),
});

export type UpdateRequest = z.infer<typeof updateRequestSchema>;

export const orderLinesSchema = z.array(z.unknown(), { error: "expected a list of [0, 0, {uid, ...}] lines" });

export const updateOrderDataSchema = z
  .object({
    uid: z.string({ error: "expected the order uid" }).min(1),
    revision_ID: integer("a revision number"),
    nonce: z.string({ error: "expected a nonce string" }).optional(),
    sequence_number: integer("a sequence number").optional(),
    run_ID: integer("a run number").optional(),
    lines: orderLinesSchema.optional(),
  })
  .loose();

export const syncAllSchema = z
  .object({
    uid: z.string().optional().nullable(),
    immediate_rerendering: z.unknown().optional(),
    data: z.object({ pos_id: integer("a POS id"), run_ID: integer("a run number").optional() }).loose(),
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
    data: z.object({ sequence_number: integer("a sequence number").optional(), run_ID: integer("a run number").optional() }).loose(),
  })
  .loose();
