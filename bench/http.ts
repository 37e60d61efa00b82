/** A minimal HTTP client over node:http keep-alive agents, for 127.0.0.1 only. */
import http from "node:http";

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  agent: http.Agent;
  port: number;
  method: "GET" | "POST";
  path: string;
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once the request has been flushed to the socket. */
  onSent?: () => void;
}

export function keepAliveAgent(maxSockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: "lifo" });
}

export function send(options: HttpRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...options.headers };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(options.body);
      headers["content-length"] = payload.length;
      headers["content-type"] ??= "application/json";
    }
    const req = http.request(
      {
        host: "127.0.0.1",
        port: options.port,
        method: options.method,
        path: options.path,
        agent: options.agent,
        headers,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 1 ? chunks[0]!.toString() : Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (options.onSent) req.on("finish", options.onSent);
    req.end(payload);
  });
}

let rpcId = 0;

/** An Odoo JSON-RPC "call"; resolves with `result`, rejects with the error message. */
export async function rpc(agent: http.Agent, port: number, path: string, params: unknown, signal?: AbortSignal, onSent?: () => void): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: "2.0", method: "call", params, id: ++rpcId });
  const res = await send({ agent, port, method: "POST", path, body, signal, onSent });
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const parsed = JSON.parse(res.body) as { result?: unknown; error?: { message?: string; data?: { message?: string } } };
  if (parsed.error) throw new Error(`${path}: ${parsed.error.data?.message ?? parsed.error.message ?? "error"}`);
  return parsed.result;
}
