/**
 * Bus channels are JSON arrays of three strings, ["<dbname>","<channel_name>","<pos_id>"],
 * compared as text: they must be built exactly as the POS builds them.
 */

/** Odoo database names as both sides accept them; they also scope every stored row. */
export const DBNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** The channel names the protocol itself uses. */
export const CHANNEL = {
  /** Multi-session broadcasts (docs/protocol.md, "Multi-session order sync"). */
  multiSession: "pos.multi_session",
  /** PING/PONG connection checks (docs/protocol.md, "Polling and cursors"). */
  longpolling: "pos.longpolling",
} as const;

export interface ChannelParts {
  dbname: string;
  name: string;
  posId: string;
}

export function channelOf(dbname: string, name: string, posId: number | string): string {
  return JSON.stringify([dbname, name, String(posId)]);
}

/** The parts of a well-formed channel of a valid database, or undefined for any other string. */
export function parseChannel(channel: string): ChannelParts | undefined {
  if (!channel.startsWith("[")) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(channel);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parts) || parts.length !== 3 || !parts.every((part) => typeof part === "string")) return undefined;
  const [dbname, name, posId] = parts as [string, string, string];
  if (!DBNAME_PATTERN.test(dbname)) return undefined;
  return { dbname, name, posId };
}

/** The channel-name part of a channel, or undefined when it is not one of ours (e.g. Odoo's own bus channels). */
export function channelNameOf(channel: unknown): string | undefined {
  if (typeof channel !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(channel);
    if (Array.isArray(parsed) && typeof parsed[1] === "string") return parsed[1];
  } catch {
    // not JSON: not one of ours
  }
  return undefined;
}
