/** What a route may know of the HTTP request behind a call, whichever server received it. */
export interface RpcRequest {
  /** The key presented in the URL path prefix /k/<key>/..., or as a bearer token. */
  readonly key: string | undefined;
  readonly clientAddress: string;
  header(name: string): string | undefined;
  /** Registers `gone` for when the client disconnects; returns its unregistration. */
  onClientGone(gone: () => void): () => void;
}

export function bearerKey(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}
