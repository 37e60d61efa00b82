/** Speaks the Odoo JSON-RPC envelope over real HTTP, like a POS does. */
export interface RpcReply<T = unknown> {
  status: number;
  body: {
    jsonrpc: string;
    id: unknown;
    result?: T;
    error?: { code: number; message: string; data?: { name: string; message: string; exception_type?: string } };
  };
}

let nextId = 1;

export async function rpc<T = unknown>(
  url: string,
  params: unknown,
  init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<RpcReply<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: JSON.stringify({ jsonrpc: "2.0", method: "call", params, id: nextId++ }),
    signal: init.signal ?? null,
  });
  return { status: response.status, body: (await response.json()) as RpcReply<T>["body"] };
}

/** The result of a call that must succeed. */
export async function call<T = unknown>(url: string, params: unknown, headers?: Record<string, string>): Promise<T> {
  const reply = await rpc<T>(url, params, headers ? { headers } : {});
  if (reply.status !== 200 || reply.body.error) {
    throw new Error(`RPC to ${url} failed: HTTP ${reply.status} ${JSON.stringify(reply.body.error)}`);
  }
  return reply.body.result as T;
}

export async function postRaw(url: string, body: string, headers: Record<string, string> = { "Content-Type": "application/json" }) {
  const response = await fetch(url, { method: "POST", headers, body });
  return { status: response.status, body: (await response.json()) as RpcReply["body"] };
}

export const channel = (dbname: string, name: string, posId: number | string) => JSON.stringify([dbname, name, String(posId)]);
