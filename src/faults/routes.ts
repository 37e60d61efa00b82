import type { IncomingMessage } from "node:http";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { PosSyncError, ProtocolError } from "../errors.ts";
import { readBody } from "../http/read-body.ts";
import { adminAccess } from "./admin-access.ts";
import { FaultRuleError, type FaultRules } from "./fault-rules.ts";

export interface FaultRoutesDeps {
  /** Undefined when test features are off: every fault route then answers 404. */
  faults: FaultRules | undefined;
  adminKey: string | undefined;
  bodyLimit: number;
}

/**
 * POST/GET/DELETE /pos_sync/faults[/<id>]: plain JSON, not JSON-RPC. Bad rules get HTTP 400
 * with `{"error": "<field>: <why>", "field": "<field>"}`.
 */
export function faultRoutes({ faults, adminKey, bodyLimit }: FaultRoutesDeps): Hono {
  const app = new Hono();
  const allowed = adminAccess({ adminKey });

  const guard: MiddlewareHandler = async (c, next) => {
    if (!faults) return c.json({ error: "fault rules are a test feature: start the server with POS_SYNC_TEST_FEATURES=1" }, 404);
    const verdict = allowed(c.req.header("authorization"), incomingOf(c)?.socket.remoteAddress);
    if (!verdict.allowed) return c.json({ error: verdict.error }, verdict.status);
    await next();
  };
  app.use("/pos_sync/faults", guard);
  app.use("/pos_sync/faults/*", guard);

  app.post("/pos_sync/faults", async (c) => {
    const incoming = incomingOf(c);
    let body: string;
    try {
      body = incoming ? await readBody(incoming, bodyLimit) : await c.req.text();
    } catch (error) {
      if (error instanceof ProtocolError && error.status === 413)
        return c.json({ error: `body over the limit of ${bodyLimit} bytes (POS_SYNC_BODY_LIMIT)` }, 413);
      throw error;
    }
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return c.json({ error: "rule: the body is not valid JSON", field: "rule" }, 400);
    }
    try {
      const rule = await faults!.add(input);
      return c.json({ id: rule.id, rule }, 201);
    } catch (error) {
      if (error instanceof FaultRuleError) return c.json({ error: error.message, field: error.field }, 400);
      if (error instanceof PosSyncError) return c.json({ error: error.message }, 400);
      throw error;
    }
  });

  app.get("/pos_sync/faults", async (c) => c.json({ rules: await faults!.list(), fired_total: faults!.firedTotal() }));

  app.delete("/pos_sync/faults", async (c) => c.json({ deleted: await faults!.clear() }));

  app.delete("/pos_sync/faults/:id", async (c) => {
    const id = c.req.param("id");
    return (await faults!.remove(id)) ? c.json({ deleted: 1 }) : c.json({ error: `no fault rule with id ${JSON.stringify(id)}` }, 404);
  });

  return app;
}

function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}
