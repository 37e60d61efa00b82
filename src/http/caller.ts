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

export function bearerKey(authorization: string | undefined): string | undefined {
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}
