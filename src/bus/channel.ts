/** Channels are JSON arrays of three strings: ["<dbname>","<channel_name>","<pos_id>"]. */
export const DBNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const MULTI_SESSION_CHANNEL = "pos.multi_session";
export const LONGPOLLING_CHANNEL = "pos.longpolling";

export interface ChannelParts {
  dbname: string;
  name: string;
  posId: string;
}

export function channelOf(dbname: string, name: string, posId: number | string): string {
  return JSON.stringify([dbname, name, String(posId)]);
}

/** The parts of a well-formed channel, or undefined for any other string. */
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
