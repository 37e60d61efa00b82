import { ValidationError } from "../errors.ts";
import type { Bus } from "./bus.ts";
import { channelOf, DBNAME_PATTERN } from "../protocol/channels.ts";
import type { KnownTerminals } from "./known-terminals.ts";

/** The seed's "instant updates to the POS from backend" (docs/protocol.md, "Routes"). */
export interface BackendPush {
  /** One notification to ["dbname","channelName","posId"]. */
  sendToChannelById(dbname: string, posId: number | string, channelName: string, message?: unknown): Promise<1>;
  /** The same to every terminal the server knows for `dbname`; returns how many were sent. */
  sendToAllPoses(dbname: string, channelName: string, data: unknown): Promise<number>;
}

export function createBackendPush(bus: Bus, knownTerminals: KnownTerminals): BackendPush {
  return {
    async sendToChannelById(dbname, posId, channelName, message = "PONG") {
      checkDbname(dbname);
      await bus.send(channelOf(dbname, channelName, posId), message);
      return 1;
    },
    async sendToAllPoses(dbname, channelName, data) {
      checkDbname(dbname);
      const posIds = await knownTerminals.list(dbname);
      await bus.transaction(async (_tx, outbox) => {
        for (const posId of posIds) outbox.send(channelOf(dbname, channelName, posId), data);
      });
      return posIds.length;
    },
  };
}

function checkDbname(dbname: string): void {
  if (!DBNAME_PATTERN.test(dbname)) throw new ValidationError(`dbname: ${JSON.stringify(dbname)} is not a valid database name`);
}
