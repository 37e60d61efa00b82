import { ROUTES } from "../protocol/routes.ts";
import { parseChannel } from "../protocol/channels.ts";
import type { TerminalRoute } from "./rule.ts";

/** Who sent a request, as far as fault rules are concerned. */
export interface RequestOrigin {
  route: TerminalRoute;
  /** Each (dbname, pos_id) the request speaks for; a poll may name several channels. */
  terminals: Array<{ dbname: string; posId: number | undefined }>;
  action: string | undefined;
}

/**
 * Which terminal a request belongs to:
 * - /longpolling/poll: the terminals whose channels `["<db>","<name>","<pos_id>"]` it names;
 * - /pos_longpolling/update: `db_name` and `pos_id`;
 * - /pos_multi_session_sync/update: `dbname` and `message.data.pos_id`, which the Odoo POS puts
 *   on every message it sends (update_order, remove_order, sync_all alike), and `message.action`.
 *   A message without `data.pos_id` matches only rules that name no pos_id.
 * Returns undefined for any other route or for params that are not an object.
 */
export function originOf(route: string, params: unknown): RequestOrigin | undefined {
  if (!isObject(params)) return undefined;
  switch (route) {
    case ROUTES.poll: {
      const channels = Array.isArray(params.channels) ? params.channels : [];
      const terminals = [];
      for (const channel of channels) {
        const parts = typeof channel === "string" ? parseChannel(channel) : undefined;
        if (parts) terminals.push({ dbname: parts.dbname, posId: posIdOf(parts.posId) });
      }
      return { route, terminals, action: undefined };
    }
    case ROUTES.ping:
      return { route, terminals: [{ dbname: String(params.db_name), posId: posIdOf(params.pos_id) }], action: undefined };
    case ROUTES.multiSessionUpdate: {
      const message = isObject(params.message) ? params.message : {};
      const data = isObject(message.data) ? message.data : {};
      const action = typeof message.action === "string" ? message.action : undefined;
      return { route, terminals: [{ dbname: String(params.dbname), posId: posIdOf(data.pos_id) }], action };
    }
    default:
      return undefined;
  }
}

/** The wire carries ids as numbers or as their digits. */
function posIdOf(value: unknown): number | undefined {
  const id = typeof value === "string" && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  return typeof id === "number" && Number.isInteger(id) ? id : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
