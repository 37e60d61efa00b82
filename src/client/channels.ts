/** A full bus channel, built exactly as the POS builds it. */
export function fullChannelName(dbname: string, channelName: string, posId: number | string): string {
  return JSON.stringify([dbname, channelName, String(posId)]);
}

/** The channel name part of a full channel, or undefined when it is not one of ours. */
export function channelNameOf(channel: unknown): string | undefined {
  if (typeof channel !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(channel);
    if (Array.isArray(parsed) && typeof parsed[1] === "string") return parsed[1];
  } catch {
    // Channels of other shapes (e.g. Odoo's own bus channels) are not for us.
  }
  return undefined;
}
