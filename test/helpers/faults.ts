/** The fault rules API (plain JSON) of a running server. */
export interface FaultsReply {
  status: number;
  body: any;
}

export function faultsApi(baseUrl: string, headers: Record<string, string> = {}) {
  const request = async (method: string, path: string, body?: unknown): Promise<FaultsReply> => {
    const response = await fetch(`${baseUrl}/pos_sync/faults${path}`, {
      method,
      headers: { "Content-Type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };
  return {
    add: (rule: unknown) => request("POST", "", rule),
    /** Adds a rule that must be accepted; returns its id. */
    async addOk(rule: unknown): Promise<string> {
      const reply = await request("POST", "", rule);
      if (reply.status !== 201) throw new Error(`rule refused: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body.id as string;
    },
    list: () => request("GET", ""),
    remove: (id: string) => request("DELETE", `/${encodeURIComponent(id)}`),
    clear: () => request("DELETE", ""),
  };
}
