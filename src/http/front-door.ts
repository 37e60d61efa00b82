import type { IncomingMessage, ServerResponse } from "node:http";
import { PosSyncError, ProtocolError, ValidationError } from "../errors.ts";
import { MAX_JSON_DEPTH, pathTooDeep } from "./json-depth.ts";
import type { Logger } from "../log.ts";
import { envelopeSchema, PROTOCOL_ERROR, type Envelope, type RpcId } from "../protocol/envelope.ts";
import { parseOrThrow } from "../validation.ts";
import type { ErrorLog } from "./error-log.ts";
import { bearerKey, type Caller, headerValue, NodeCaller } from "./caller.ts";
import type { CallOutcome, RouteContext, RouteHooks } from "./hooks.ts";
import { splitKeyPrefix } from "./paths.ts";
import { bodyTooLarge, readBody } from "./read-body.ts";
import { errorReply, isExpectedError, resultReply, type RpcReply } from "./replies.ts";
import { RawJson, type RpcRoute } from "./route.ts";
import type { RouteTable } from "./route-table.ts";

export interface FrontDoorOptions {
  routes: RouteTable;
  bodyLimit: number;
  log: Logger;
  hooks?: readonly RouteHooks[] | undefined;
  /** Where refused accesses and application errors are written, rate-limited. */
  errorLog?: ErrorLog | undefined;
}

/** A JSON-RPC call the route table knows. */
export interface RpcMatch {
  /** The route path, without the key prefix. */
  path: string;
  route: RpcRoute;
  /** The key of the /k/<key> prefix, if the path had one. */
  pathKey: string | undefined;
}

/**
 * The one JSON-RPC front door: every POST route of the route table is served here, straight
 * from Node's HTTP server, without the web Request/Response adapter, which costs memory per held
 * poll and CPU per call (README, Performance). It owns the envelope, the body
 * limit, the error replies, Content-Type, and the hook points of RouteHooks.
 */
export class FrontDoor {
  private readonly routes: RouteTable;
  private readonly bodyLimit: number;
  private readonly log: Logger;
  private readonly hooks: readonly RouteHooks[];
  /** Whether any hook has the point: without one, a call does not wait there at all. */
  private readonly waits: Readonly<Record<HookPoint, boolean>>;
  private readonly errorLog: ErrorLog | undefined;

  constructor(options: FrontDoorOptions) {
    this.routes = options.routes;
    this.bodyLimit = options.bodyLimit;
    this.log = options.log;
    this.hooks = options.hooks ?? [];
    const has = (point: HookPoint) => this.hooks.some((hooks) => hooks[point] !== undefined);
    this.waits = { beforeHandle: has("beforeHandle"), afterCommit: has("afterCommit"), beforeReply: has("beforeReply") };
    this.errorLog = options.errorLog;
  }

  /** The call a request makes, or undefined when it is not a JSON-RPC route (`path` as routingPath made it). */
  match(method: string | undefined, path: string): RpcMatch | undefined {
    if (method !== "POST") return undefined;
    const { key, route: routePath } = splitKeyPrefix(path);
    const route = this.routes.get(routePath);
    return route ? { path: routePath, route, pathKey: key } : undefined;
  }

  /** Serves a matched call on Node's request and response; `headers` (CORS) go on the reply. */
  serve(req: IncomingMessage, res: ServerResponse, match: RpcMatch, headers: Readonly<Record<string, string>>): Promise<void> {
    const caller = new NodeCaller(req, res, match.pathKey || bearerKey(headerValue(req.headers.authorization)));
    const context = this.hooks.length > 0 ? new CallContext(match, caller, res) : undefined;
    // .then rather than an async frame: it lives as long as each held poll.
    return this.answer(match, req, caller, context).then((reply) => this.write(res, reply, headers, context));
  }

  /** Serves a matched call whose body is already in hand (no socket): tests, embedding. */
  async answerDirect(match: RpcMatch, body: string, caller: Caller): Promise<RpcReply | undefined> {
    const context = this.hooks.length > 0 ? new CallContext(match, caller, undefined) : undefined;
    const reply = await this.answer(match, body, caller, context);
    const dropped = context?.dropped === true;
    this.finish(context, dropped ? undefined : reply.status, reply.errorType);
    return dropped ? undefined : reply;
  }

  private write(res: ServerResponse, reply: RpcReply, headers: Readonly<Record<string, string>>, context: CallContext | undefined): void {
    if (res.destroyed || context?.dropped) {
      this.finish(context, undefined);
      return;
    }
    res.writeHead(reply.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(reply.body),
      ...headers,
      // The rest of an oversized body was read and thrown away; this connection is done.
      ...(reply.status === 413 ? { Connection: "close" } : undefined),
    });
    res.end(reply.body);
    this.finish(context, reply.status, reply.errorType);
  }

  /**
   * One call: envelope, params, handler, reply; every error becomes its reply in errorReply.
   * Kept to the few lines that wait for the handler, the rest in helpers: this frame lives as
   * long as each held poll, and its size grows with every local and loop in it (this split and
   * the poll route no longer async took RSS per held poll from 11.82 to 11.42 KB; README, Performance).
   */
  private async answer(match: RpcMatch, body: IncomingMessage | string, caller: Caller, context: CallContext | undefined): Promise<RpcReply> {
    const call: CallState = { id: null, rawParams: undefined };
    let reply: RpcReply;
    try {
      const params = await this.accept(match, body, call, context);
      if (context?.dropped) return DROPPED;
      const result = await match.route.handle(params, caller);
      if (context && this.waits.afterCommit) await this.runHooks("afterCommit", context);
      reply = resultReply(call.id, result instanceof RawJson ? result.json : JSON.stringify(result ?? null));
    } catch (error) {
      reply = this.failed(match, call, caller, error);
    }
    if (context && this.waits.beforeReply) await this.runHooks("beforeReply", context, reply);
    return reply;
  }

  /** The call's valid params, once the beforeHandle hooks have run; `call` learns the id and raw params as soon as they are known. */
  private async accept(match: RpcMatch, body: IncomingMessage | string, call: CallState, context: CallContext | undefined): Promise<unknown> {
    const envelope = parseEnvelope(await this.text(body));
    call.id = envelope.id;
    call.rawParams = envelope.params;
    const tooDeep = pathTooDeep(envelope.params);
    if (tooDeep) throw new ValidationError(`${tooDeep}: nested deeper than ${MAX_JSON_DEPTH} levels`);
    const params = parseOrThrow(match.route.params, envelope.params);
    if (context) {
      context.params = envelope.params;
      if (this.waits.beforeHandle) await this.runHooks("beforeHandle", context);
    }
    return params;
  }

  /** Only hooks that have the point are awaited: the metrics hook is always there and has none of these. */
  private async runHooks(point: HookPoint, context: CallContext, reply?: RpcReply): Promise<void> {
    for (const hooks of this.hooks) {
      if (point === "beforeReply") {
        if (hooks.beforeReply) await hooks.beforeReply(context, reply!);
      } else if (hooks[point]) await hooks[point](context);
    }
  }

  private failed(match: RpcMatch, call: CallState, caller: Caller, error: unknown): RpcReply {
    if (!isExpectedError(error)) this.log.error({ err: error, path: match.path }, "request failed");
    else if (error instanceof PosSyncError) this.errorLog?.record(match.path, call.rawParams, caller.clientAddress, error);
    return errorReply(call.id, error);
  }

  /** The body read from the request, or as handed over. */
  private text(body: IncomingMessage | string): Promise<string> | string {
    if (typeof body !== "string") return readBody(body, this.bodyLimit);
    if (Buffer.byteLength(body) > this.bodyLimit) throw bodyTooLarge(this.bodyLimit);
    return body;
  }

  private finish(context: CallContext | undefined, status: number | undefined, errorType?: string): void {
    if (!context) return;
    const outcome: CallOutcome = { status, ms: performance.now() - context.startedAt, errorType };
    for (const hooks of this.hooks) hooks.finished?.(context, outcome);
  }
}

type HookPoint = "beforeHandle" | "afterCommit" | "beforeReply";

/** What is known of a call once its envelope is read: for its error reply. */
interface CallState {
  id: RpcId;
  rawParams: unknown;
}

/** The reply of a call a hook dropped: never written. */
const DROPPED: RpcReply = { status: 0, body: "" };

class CallContext implements RouteContext {
  readonly route: string;
  params: unknown;
  readonly keyInPath: boolean;
  readonly startedAt = performance.now();
  dropped = false;

  constructor(
    match: RpcMatch,
    readonly caller: Caller,
    /** The response to close on a drop; none for a call handed over directly. */
    private readonly res: ServerResponse | undefined,
  ) {
    this.route = match.path;
    this.keyInPath = match.pathKey !== undefined;
  }

  drop(): void {
    this.dropped = true;
    this.res?.destroy();
  }
}

function parseEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ProtocolError(400, PROTOCOL_ERROR.parseError, "Parse error: the body is not valid JSON");
  }
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) throw new ProtocolError(400, PROTOCOL_ERROR.invalidRequest, "Invalid Request: expected a JSON-RPC 2.0 object with object params");
  return envelope.data;
}
