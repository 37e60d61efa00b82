import type { IncomingMessage } from "node:http";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { ProtocolError } from "../errors.ts";
import { adminAccess } from "../faults/admin-access.ts";
import { readBody } from "../http/read-body.ts";
import { dbnameSchema, firstIssue, putKeyBody } from "./key-input.ts";
import { ConfiguredKeyError, type KeyRing } from "./key-ring.ts";

export interface KeyRoutesDeps {
  keys: KeyRing;
  adminKey: string | undefined;
  bodyLimit: number;
}

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * PUT/DELETE /pos_sync/keys/<dbname>, GET /pos_sync/keys: shops added, rotated and removed at
 * run time (PROTOCOL.md section 8). Plain JSON; the admin key as Bearer, or loopback without an
 * admin key. Operator routes: no CORS headers, and a request from a page of another origin is
 * refused before loopback trust applies (a page could otherwise drive a loopback operator's
 * browser). Bad input gets HTTP 400 `{"error": "<field>: <why>", "field"}` and changes nothing.
 */
export function keyRoutes({ keys, adminKey, bodyLimit }: KeyRoutesDeps): Hono {
  const app = new Hono();
  const allowed = adminAccess({ adminKey });

  const guard: MiddlewareHandler = async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !sameOrigin(origin, c.req.header("host")))
      return c.json({ error: "operator routes refuse requests from another origin (Origin header)" }, 403, NO_STORE);
    if (c.req.method === "OPTIONS") return c.body(null, 405, { Allow: "GET, PUT, DELETE" });
    const verdict = allowed(c.req.header("authorization"), incomingOf(c)?.socket.remoteAddress);
    if (!verdict.allowed) return c.json({ error: verdict.error }, verdict.status, NO_STORE);
    await next();
  };
  app.use("/pos_sync/keys", guard);
  app.use("/pos_sync/keys/*", guard);

  app.get("/pos_sync/keys", (c) =>
    c.json(
      { keys: keys.list().map(({ dbname, source, updatedAt }) => ({ dbname, source, ...(updatedAt === undefined ? {} : { updated_at: updatedAt }) })) },
      200,
      NO_STORE,
    ),
  );

  app.put("/pos_sync/keys/:dbname", async (c) => {
    const dbname = dbnameSchema.safeParse(c.req.param("dbname"));
    if (!dbname.success) return badInput(c, firstIssue(dbname.error, "dbname"));
    let body: string;
    try {
      const incoming = incomingOf(c);
      body = incoming ? await readBody(incoming, bodyLimit) : await c.req.text();
    } catch (error) {
      if (error instanceof ProtocolError && error.status === 413)
        return c.json({ error: `body over the limit of ${bodyLimit} bytes (POS_SYNC_BODY_LIMIT)` }, 413, NO_STORE);
      throw error;
    }
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      return badInput(c, { field: "key", message: 'key: the body is not JSON (send {"key": "..."})' });
    }
    const parsed = putKeyBody.safeParse(input);
    if (!parsed.success) return badInput(c, firstIssue(parsed.error, "key"));
    const existed = keys.list().some((entry) => entry.dbname === dbname.data);
    try {
      await keys.set(dbname.data, parsed.data.key);
    } catch (error) {
      if (error instanceof ConfiguredKeyError) return c.json({ error: error.message, field: "dbname" }, 409, NO_STORE);
      throw error;
    }
    return c.json({ dbname: dbname.data, source: "store", rotated: existed }, existed ? 200 : 201, NO_STORE);
  });

  app.delete("/pos_sync/keys/:dbname", async (c) => {
    const dbname = dbnameSchema.safeParse(c.req.param("dbname"));
    if (!dbname.success) return badInput(c, firstIssue(dbname.error, "dbname"));
    try {
      if (await keys.delete(dbname.data)) return c.json({ deleted: 1 }, 200, NO_STORE);
    } catch (error) {
      if (error instanceof ConfiguredKeyError) return c.json({ error: error.message, field: "dbname" }, 409, NO_STORE);
      throw error;
    }
    return c.json({ error: `dbname: no stored key for "${dbname.data}"`, field: "dbname" }, 404, NO_STORE);
  });

  return app;
}

function badInput(c: Context, issue: { field: string; message: string }) {
  return c.json({ error: issue.message, field: issue.field }, 400, NO_STORE);
}

/** Whether `origin` is this server as the client reached it (its Host header). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function incomingOf(c: Context): IncomingMessage | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
}
