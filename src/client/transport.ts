import { keyPrefix } from "../protocol/routes.ts";
import { HttpError, NetworkError, RpcError, type RpcErrorData } from "./errors.ts";
import { streamRefusal } from "./event-stream.ts";

export interface TransportOptions {
  /** Server root, e.g. "https://sync.example.com" (a trailing slash is fine). */
  baseUrl: string;
  /** Access key of the database (terminals) or the backend key (BackendClient). */
  key?: string;
  /** "path" puts the key in the URL (`/k/<key>/...`), as an Odoo POS must; "header" sends `Authorization: Bearer`. */
  keyIn?: "path" | "header";
  /** Extra headers, or a function returning them per request (e.g. `phantomtest: slowConnection`). */
  headers?: Record<string, string> | (() => Record<string, string>);
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Sends Odoo JSON-RPC "call" envelopes and turns every failure into one of our typed errors. */
export class Transport {
  private nextId = 1;
  private readonly root: string;

  constructor(private readonly options: TransportOptions) {
    const base = options.baseUrl.replace(/\/+$/, "");
    this.root = options.key && options.keyIn === "path" ? base + keyPrefix(options.key) : base;
  }

  url(path: string): string {
    return this.root + path;
  }

  async call<T = unknown>(path: string, params: unknown, options: CallOptions = {}): Promise<T> {
    const id = this.nextId++;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) throw options.signal.reason;
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, options.timeoutMs);
    try {
      const response = await this.send(path, { jsonrpc: "2.0", method: "call", params, id }, controller.signal);
      const body = await response.text();
      return decode<T>(response.status, body);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timedOut) throw new NetworkError(`no answer from ${path} within ${options.timeoutMs} ms`);
      if (error instanceof RpcError || error instanceof HttpError) throw error;
      throw new NetworkError(`request to ${path} failed`, { cause: error });
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Opens a GET stream (`pathAndQuery` under the root) and resolves with its response once the
   * server answered 200; any other answer is an HttpError with its body, no answer a NetworkError.
   */
  async openStream(pathAndQuery: string, signal: AbortSignal): Promise<Response> {
    let response: Response;
    try {
      response = await this.fetch(this.url(pathAndQuery), { method: "GET", headers: this.headers({ Accept: "text/event-stream" }), signal });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new NetworkError(`request to ${pathAndQuery.split("?")[0]} failed`, { cause: error });
    }
    if (response.status !== 200) throw streamRefusal(response.status, await response.text().catch(() => ""));
    return response;
  }

  private send(path: string, envelope: unknown, signal: AbortSignal): Promise<Response> {
    return this.fetch(this.url(path), {
      method: "POST",
      headers: this.headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(envelope),
      signal,
    });
  }

  private headers(base: Record<string, string>): Record<string, string> {
    const extra = typeof this.options.headers === "function" ? this.options.headers() : this.options.headers;
    const headers: Record<string, string> = { ...base, ...extra };
    if (this.options.key && this.options.keyIn !== "path") headers.Authorization = `Bearer ${this.options.key}`;
    return headers;
  }

  private fetch(url: string, init: RequestInit): Promise<Response> {
    return (this.options.fetch ?? globalThis.fetch)(url, init);
  }
}

interface RpcErrorBody {
  code?: number;
  message?: string;
  data?: RpcErrorData;
}

function decode<T>(status: number, body: string): T {
  let parsed: { result?: T; error?: RpcErrorBody } | undefined;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new HttpError(status, body);
  }
  if (parsed && typeof parsed === "object" && parsed.error) {
    const { code = 0, message = "JSON-RPC error", data = {} } = parsed.error;
    throw new RpcError(code, message, data, status);
  }
  if (status < 200 || status >= 300 || !parsed || typeof parsed !== "object" || !("result" in parsed)) {
    throw new HttpError(status, body);
  }
  return parsed.result as T;
}
