import type { IncomingMessage, ServerResponse } from "node:http";

/** What a route may know of the client behind a call. */
export interface Caller {
  /** The key presented in the URL path prefix /k/<key>/..., or as a bearer token. */
  readonly key: string | undefined;
  readonly clientAddress: string;
  header(name: string): string | undefined;
  /** Calls `gone` when the client disconnects, until offClientGone(gone). */
  onClientGone(gone: () => void): void;
  offClientGone(gone: () => void): void;
}

/** The caller of a request that came through Node's HTTP server. A class: one lives as long as each held poll. */
export class NodeCaller implements Caller {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly key: string | undefined,
  ) {}

  get clientAddress(): string {
    return this.req.socket.remoteAddress ?? "unknown";
  }

  header(name: string): string | undefined {
    return headerValue(this.req.headers[name.toLowerCase()]);
  }

  // "close" comes once; `once` would wrap each listener in a bound function and a state object.
  onClientGone(gone: () => void): void {
    this.res.on("close", gone);
  }

  offClientGone(gone: () => void): void {
    this.res.off("close", gone);
  }
}

/** The caller of a request handed to the app directly (no socket): it never goes away. */
export class DirectCaller implements Caller {
  readonly clientAddress = "direct";

  constructor(
    private readonly headers: Readonly<Record<string, string>>,
    readonly key: string | undefined,
  ) {}

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  onClientGone(): void {}

  offClientGone(): void {}
}

export function bearerKey(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
