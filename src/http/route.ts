import type { z } from "zod";
import { ValidationError } from "../errors.ts";
import type { Caller } from "./caller.ts";
import type { RouteContext } from "./hooks.ts";
import type { RouteAccess, Viewer } from "./operator-access.ts";

export type { RouteAccess };

/** A result that is already JSON text, spliced into the reply without another stringify. */
export class RawJson {
  constructor(readonly json: string) {}
}

/** `allow`: the configured CORS origins get their headers. `none`: never a CORS header. */
export type RouteCors = "allow" | "none";

/** The context a JSON-RPC handler runs in: the caller, and the outcome it leaves for observers. */
export type CallContext = RouteContext;

/** One JSON-RPC route (POST, also under /k/<key>): its params schema and what it does with valid params. */
export interface RpcRoute<S extends z.ZodType = z.ZodType> {
  readonly kind: "rpc";
  readonly path: string;
  readonly access: "terminal";
  readonly cors: RouteCors;
  readonly params: S;
  handle(params: z.output<S>, call: CallContext): Promise<unknown>;
}

export function rpcRoute<S extends z.ZodType>(path: string, params: S, handle: RpcRoute<S>["handle"]): RpcRoute<S> {
  return { kind: "rpc", path, access: "terminal", cors: "allow", params, handle };
}

export type PlainMethod = "GET" | "POST" | "PUT" | "DELETE";

/** What a plain route sees of its request. */
export interface PlainRequest {
  readonly method: string;
  /** The route path as requested, without the /k/<key> prefix. */
  readonly path: string;
  /** The `:name` segments of the route's pattern. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly caller: Caller;
  /** Who the operator access let in; undefined on `terminal` routes. */
  readonly viewer: Viewer | undefined;
  /** The body as text, at most the configured body limit (413 past it). */
  text(): Promise<string>;
}

/** A whole reply. */
export interface PlainReply {
  status: number;
  headers?: Record<string, string>;
  body: string | Buffer;
}

/**
 * A reply that stays open and writes as it goes (server-sent events, say): the door writes
 * `status` and `headers`, then hands `start` a sink; the reply ends when the route calls end()
 * or the client goes away (onClose).
 */
export interface StreamReply {
  status: number;
  headers?: Record<string, string>;
  start(sink: ReplySink): void;
}

export interface ReplySink {
  write(chunk: string): void;
  end(): void;
  /** Cuts the connection off (a reader too slow to keep up). */
  destroy(): void;
  /** Bytes written but not yet taken by the client. */
  buffered(): number;
  /** Called once when the reply ends, whoever ends it. */
  onClose(closed: () => void): void;
}

/** One plain HTTP route: a method, a path pattern ("/console/api/databases/:dbname"), its access and CORS. */
export interface PlainRoute {
  readonly kind: "plain";
  readonly method: PlainMethod;
  readonly path: string;
  readonly access: RouteAccess;
  readonly cors: RouteCors;
  handle(request: PlainRequest): PlainReply | StreamReply | Promise<PlainReply | StreamReply>;
}

export function plainRoute(method: PlainMethod, path: string, options: { access: RouteAccess; cors?: RouteCors }, handle: PlainRoute["handle"]): PlainRoute {
  return { kind: "plain", method, path, access: options.access, cors: options.cors ?? "none", handle };
}

export type Route = RpcRoute | PlainRoute;

/** A plain request's body parsed as JSON; a body that is not JSON is a ValidationError `message` naming `field`. */
export async function jsonBody(request: PlainRequest, field: string, message: string): Promise<unknown> {
  const text = await request.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) throw new ValidationError(message, field);
    throw error;
  }
}

/** A JSON reply of a plain route. */
export function jsonReply(value: unknown, status = 200, headers: Record<string, string> = {}): PlainReply {
  return { status, headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(value) };
}

/** What a feature hands the door: its routes, and hooks that observe or disturb requests. */
export interface Feature {
  routes: readonly Route[];
  hooks?: readonly import("./hooks.ts").RouteHooks[];
}
