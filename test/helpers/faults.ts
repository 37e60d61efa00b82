import { nodeUrlsOf } from "./cluster.ts";
import { waitFor } from "./wait.ts";

/**
 * The fault rules API (plain JSON) of a running server. On the cluster run a change made through
 * the first node is awaited on every node (each reads the shared rules twice a second by
 * itself; listing them makes it read them at once).
 */
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
      const id = reply.body.id as string;
      await everyNode((ids) => ids.includes(id), `rule ${id} on every node`);
      return id;
    },
    list: () => request("GET", ""),
    async remove(id: string): Promise<FaultsReply> {
      const reply = await request("DELETE", `/${encodeURIComponent(id)}`);
      await everyNode((ids) => !ids.includes(id), `rule ${id} gone from every node`);
      return reply;
    },
    async clear(): Promise<FaultsReply> {
      const reply = await request("DELETE", "");
      await everyNode((ids) => ids.length === 0, "no rule left on any node");
      return reply;
    },
  };

  /** Waits until the rule ids each node applies satisfy `condition` (at once off the cluster run). */
  async function everyNode(condition: (ids: string[]) => boolean, what: string): Promise<void> {
    const others = nodeUrlsOf(baseUrl).slice(1);
    if (others.length === 0) return;
    await waitFor(async () => {
      // A node reads the shared rules again when it lists them: listed there is applied there.
      const lists = await Promise.all(others.map(async (url) => (await faultsApi(url, headers).list()).body.rules.map((rule: { id: string }) => rule.id)));
      return lists.every(condition);
    }, what);
  }
}
