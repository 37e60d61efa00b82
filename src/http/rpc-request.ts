import type { IncomingMessage, ServerResponse } from "node:http";

/** What a route may know of the HTTP request behind a call, whichever server received it. */
export interface RpcRequest {
  /** The key presented in the URL path prefix /k/<key>/..., or as a bearer token. */
  readonly key: string | undefined;
  readonly clientAddress: string;
  /** The route's path, without the /k/<key> prefix and the query: safe to log. */
  readonly path: string;
  /** The connection it came on (identifies the server it belongs to, for its error log). */
  readonly connection: object;
  header(name: string): string | undefined;
  /** Registers `gone` for when the client disconnects; returns its unregistration. */
  onClientGone(gone: () => void): () => void;
}

export function bearerKey(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

/** A class, not an object of closures: one of these lives as long as each held poll. */
export class NodeRpcRequest implements RpcRequest {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    readonly key: string | undefined,
  ) {}

  get clientAddress(): string {
    return this.req.socket.remoteAddress ?? "unknown";
  }

  get path(): string {
    return (this.req.url ?? "/").replace(/[?#].*$/s, "").replace(/^\/k\/[^/]*/, "");
  }

  get connection(): object {
    return this.req.socket;
  }

  header(name: string): string | undefined {
    return headerValue(this.req.headers[name.toLowerCase()]);
  }

  onClientGone(gone: () => void): () => void {
    this.res.once("close", gone);
    return () => this.res.off("close", gone);
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
