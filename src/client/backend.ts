import { ROUTES } from "../protocol/routes.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface BackendClientOptions extends TransportOptions {
  /** The backend key (not a database key); sent as `Authorization: Bearer` unless keyIn is "path". */
  key?: string;
  requestTimeoutMs?: number;
}

/** For the application that owns the data (an ERP, an admin tool): pushes messages to terminals. */
export class BackendClient {
  private readonly transport: Transport;

  constructor(private readonly options: BackendClientOptions) {
    this.transport = new Transport({ keyIn: "header", ...options });
  }

  /** One notification to `["dbname","channelName","posId"]`. */
  sendToChannelById(dbname: string, posId: number | string, channelName: string, message: unknown = "PONG"): Promise<unknown> {
    return this.call(ROUTES.backendSendToChannel, { dbname, pos_id: posId, channel_name: channelName, message });
  }

  /** The same to every terminal the server knows for that database. */
  sendToAllPoses(dbname: string, channelName: string, data: unknown): Promise<unknown> {
    return this.call(ROUTES.backendSendToAll, { dbname, channel_name: channelName, data });
  }

  private call(path: string, params: unknown): Promise<unknown> {
    return this.transport.call(path, params, { timeoutMs: this.options.requestTimeoutMs ?? 30_000 });
  }
}
