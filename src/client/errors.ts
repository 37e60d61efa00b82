/** The server answered with a JSON-RPC error body (HTTP 200 for application errors, 400 for bad envelopes). */
export interface RpcErrorData {
  name?: string;
  message?: string;
  exception_type?: string;
  arguments?: unknown[];
  debug?: string;
  [key: string]: unknown;
}

export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data: RpcErrorData,
    readonly httpStatus: number,
  ) {
    super(data.message ? `${message}: ${data.message}` : message);
  }

  get exceptionType(): string | undefined {
    return this.data.exception_type;
  }
}

/** A non-JSON-RPC HTTP failure (proxy error page, 404 of a wrong base URL, 413...). */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The request never got an answer: refused, reset, or timed out. */
export class NetworkError extends Error {
  override readonly name = "NetworkError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Pending work of a client that was stopped. */
export class StoppedError extends Error {
  override readonly name = "StoppedError";
  constructor() {
    super("client stopped");
  }
}

/** Worth sending again with the same nonce: the server may not have seen the request, or it is overloaded. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof HttpError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return false;
}
