import type { IncomingMessage, ServerResponse } from "node:http";
import { StoreUnavailableError } from "../errors.ts";
import type { RpcId } from "../protocol/envelope.ts";
import { version } from "../version.ts";
import { createCors } from "./cors.ts";
import { routingPath } from "./paths.ts";
import { readBody } from "./read-body.ts";
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
  const cors = createCors(corsOrigins);
  const unavailable = () => new StoreUnavailableError(`database unavailable: ${reason()}; nothing was written, retry later`);
  const json = (res: ServerResponse, status: number, headers: Record<string, string>, body: string) =>
    void res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers }).end(body);
  return (req, res) => {
    const origin = req.headers.origin;
    if (req.method === "OPTIONS") {
      const requested = req.headers["access-control-request-headers"];
      res.writeHead(204, cors.preflight(origin, typeof requested === "string" ? requested : undefined)).end();
      return;
    }
    if (req.method === "GET" && routingPath(req.url ?? "/").split("?")[0] === "/healthz") {
      json(res, 503, {}, JSON.stringify({ status: "unavailable", store: "postgres", database: false, waiting: true, heldPolls: 0, version }));
      return;
    }
    if (req.method === "POST") {
      void requestId(req, bodyLimit).then((id) => json(res, 503, { ...cors.allowOrigin(origin) }, errorReply(id, unavailable()).body));
      return;
    }
    json(res, 503, { "Retry-After": "1" }, JSON.stringify({ error: unavailable().message }));
  };
}

/** The call's id, so the error answers it like any other reply; null when the body is not a call. */
async function requestId(req: IncomingMessage, bodyLimit: number): Promise<RpcId> {
  try {
    const id = (JSON.parse(await readBody(req, bodyLimit)) as { id?: unknown })?.id;
    return typeof id === "string" || typeof id === "number" ? id : null;
  } catch {
    req.resume();
    return null;
  }
}
