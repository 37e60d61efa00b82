import { z } from "zod";
import { DBNAME_PATTERN } from "../protocol/channels.ts";
import { ROUTES } from "../protocol/routes.ts";

/** The routes a terminal calls; only these can be aimed at (docs/qa-and-faults.md). */
export const TERMINAL_ROUTES = [ROUTES.poll, ROUTES.ping, ROUTES.multiSessionUpdate] as const;
export type TerminalRoute = (typeof TERMINAL_ROUTES)[number];

export const EFFECT_TYPES = ["delay_reply", "delay_request", "delay_delivery", "drop_reply", "hang", "offline"] as const;
export type EffectType = (typeof EFFECT_TYPES)[number];

/** Ten minutes: longer than any client waits, short enough that a forgotten rule cannot pile up timers for hours. */
const MAX_MS = 600_000;

const milliseconds = (what: string) =>
  z
    .number({ error: `expected ${what} in milliseconds (an integer 0-${MAX_MS})` })
    .int()
    .min(0)
    .max(MAX_MS);

const delay = { ms: milliseconds("the delay"), jitter_ms: milliseconds("the jitter").optional().default(0) };

/** An unknown key (a typo) is reported as such, anything else with `expected`. */
const objectError = (expected: string) => (issue: { code?: string }) => (issue.code === "unrecognized_keys" ? "unknown field" : expected);

const effectSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("delay_reply"), ...delay }, { error: objectError("expected {type, ms, jitter_ms?}") }),
    z.strictObject({ type: z.literal("delay_request"), ...delay }, { error: objectError("expected {type, ms, jitter_ms?}") }),
    z.strictObject({ type: z.literal("delay_delivery"), ...delay }, { error: objectError("expected {type, ms, jitter_ms?}") }),
    z.strictObject({ type: z.literal("drop_reply") }, { error: objectError("expected {type}") }),
    z.strictObject({ type: z.literal("hang") }, { error: objectError("expected {type}") }),
    // Without ms the terminal stays offline until the rule is deleted or expires.
    z.strictObject(
      { type: z.literal("offline"), ms: milliseconds("the offline window").nullable().optional().default(null) },
      { error: objectError("expected {type, ms?}") },
    ),
  ],
  { error: `expected an object whose type is one of ${EFFECT_TYPES.join(", ")}` },
);

const matchSchema = z.strictObject(
  {
    dbname: z.string({ error: "expected a database name" }).regex(DBNAME_PATTERN, "expected a database name (1-63 letters, digits, '_', '.' or '-')"),
    pos_id: z.number({ error: "expected a POS id (an integer)" }).int().nullable().optional().default(null),
    route: z
      .enum(TERMINAL_ROUTES, { error: `expected one of ${TERMINAL_ROUTES.join(", ")}` })
      .nullable()
      .optional()
      .default(null),
    action: z.string({ error: "expected an action name" }).min(1).nullable().optional().default(null),
  },
  { error: objectError("expected an object with at least dbname") },
);

export const ruleInputSchema = z
  .strictObject(
    {
      match: matchSchema,
      effect: effectSchema,
      probability: z.number({ error: "expected a probability from 0 to 1" }).min(0).max(1).optional().default(1),
      count: z.number({ error: "expected how many times the rule may fire (an integer >= 1) or null" }).int().min(1).nullable().optional().default(null),
      expires_s: z
        .number({ error: "expected seconds until the rule expires (> 0) or null" })
        .positive()
        .max(7 * 24 * 3600)
        .nullable()
        .optional()
        .default(null),
    },
    { error: objectError("expected a JSON object {match, effect, probability?, count?, expires_s?}") },
  )
  .superRefine((rule, ctx) => {
    // Only polls carry notifications; an action is only sent to the multi-session route.
    if (rule.effect.type === "delay_delivery" && rule.match.route !== null && rule.match.route !== "/longpolling/poll") {
      ctx.addIssue({ code: "custom", path: ["match", "route"], message: "delay_delivery acts on polls: leave route out or use /longpolling/poll" });
    }
    if (rule.match.action !== null && rule.match.route !== null && rule.match.route !== "/pos_multi_session_sync/update") {
      ctx.addIssue({ code: "custom", path: ["match", "action"], message: "only /pos_multi_session_sync/update requests have an action" });
    }
  });

export type RuleInput = z.output<typeof ruleInputSchema>;
export type Effect = RuleInput["effect"];
export type Match = RuleInput["match"];

/** A rule as the table keeps it and GET /pos_sync/faults lists it. */
export interface FaultRule extends RuleInput {
  id: string;
  fired: number;
  created_at: string;
  /** When it stops matching: expires_s, or the end of an offline window, whichever is first. */
  expires_at: string | null;
}
