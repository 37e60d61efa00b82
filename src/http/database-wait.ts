import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import { StoreUnavailableError } from "../errors.ts";
import type { RpcId } from "../protocol/envelope.ts";
import { version } from "../version.ts";
import { allowOriginHeaders, corsPreflight } from "./cors.ts";
import { errorReply } from "./replies.ts";

export interface DatabaseWaitOptions {
  corsOrigins: string[];
  bodyLimit: number;
  /** Why the database is not open yet (its last connection error), for the replies. */
  reason(): string;
}

/**
 * What a node answers while its database is not reachable yet: /healthz 503, and every JSON-RPC
 * call the "database unavailable" error (HTTP 503, as once serving: see errorReply), so a POS
 * loading meanwhile keeps retrying as it does when the connection is lost. Nothing is written.
 */
export function databaseWaitListener({ corsOrigins, bodyLimit, reason }: DatabaseWaitOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const app = new Hono();
  const corsFor = allowOriginHeaders(corsOrigins);
  const unavailable = () => new StoreUnavailableError(`database unavailable: ${reason()}; nothing was written, retry later`);
  app.options("*", corsPreflight(corsOrigins));
  app.get("/healthz", (c) => c.json({ status: "unavailable", store: "postgres", database: false, waiting: true, heldPolls: 0, version }, 503));
  app.post("*", async (c) => {
    const reply = errorReply(await requestId(c.req.raw, bodyLimit), unavailable());
    return c.body(reply.body, 503, { "Content-Type": "application/json", ...corsFor(c.req.header("origin")) });
  });
  app.all("*", (c) => c.json({ error: unavailable().message }, 503, { "Retry-After": "1" }));
  return getRequestListener(app.fetch);
}

/** The call's id, so the error answers it like any other reply; null when the body is not a call. */
async function requestId(request: Request, bodyLimit: number): Promise<RpcId> {
  if (Number(request.headers.get("content-length") ?? 0) > bodyLimit) return null;
  try {
    const id = (JSON.parse(await request.text()) as { id?: unknown })?.id;
    return typeof id === "string" || typeof id === "number" ? id : null;
  } catch {
    return null;
  }
}
