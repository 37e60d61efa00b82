import { PosSyncError, ProtocolError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { envelopeSchema, PROTOCOL_ERROR, type Envelope, type RpcId } from "../protocol/envelope.ts";
import { parseOrThrow } from "../validation.ts";
import type { ErrorLog } from "./error-log.ts";
import type { Exchange } from "./exchange.ts";
import type { RouteHooks } from "./hooks.ts";
import { MAX_JSON_DEPTH, pathTooDeep } from "./json-depth.ts";
import { errorReply, isExpectedError, resultReply, type RpcReply } from "./replies.ts";
import { RawJson, type RpcRoute } from "./route.ts";
import { RequestContext } from "./request-context.ts";

export interface RpcCallsOptions {
  bodyLimit: number;
  log: Logger;
  hooks: readonly RouteHooks[];
  /** Where refused accesses and application errors are written, rate-limited. */
  errorLog?: ErrorLog | undefined;
}

/**
 * How the door answers a JSON-RPC call, straight on Node's request and response, without the
 * web Request/Response adapter, which costs memory per held poll and CPU per call
 * (docs/performance.md). It owns the envelope, the body limit, the error replies, Content-Type,
 * and the hook points of RouteHooks.
 */
export class RpcCalls {
  private readonly bodyLimit: number;
  private readonly log: Logger;
  private readonly hooks: readonly RouteHooks[];
  /** Whether any hook has the point: without one, a call does not wait there at all. */
  private readonly waits: Readonly<Record<HookPoint, boolean>>;
  private readonly errorLog: ErrorLog | undefined;

  constructor(options: RpcCallsOptions) {
    this.bodyLimit = options.bodyLimit;
    this.log = options.log;
    this.hooks = options.hooks;
    const has = (point: HookPoint) => this.hooks.some((hooks) => hooks[point] !== undefined);
    this.waits = { beforeHandle: has("beforeHandle"), afterCommit: has("afterCommit"), beforeReply: has("beforeReply") };
    this.errorLog = options.errorLog;
  }

  /** Answers one call; `headers` (CORS) go on the reply. */
  serve(exchange: Exchange, route: RpcRoute, keyInPath: boolean, headers: Readonly<Record<string, string>>): Promise<void> {
    return this.answer(route, exchange, new RequestContext(route.path, exchange, keyInPath), headers);
  }

  private write(exchange: Exchange, reply: RpcReply, headers: Readonly<Record<string, string>>, context: RequestContext): void {
    if (exchange.gone || context.dropped) {
      if (!exchange.gone) exchange.destroy();
      this.finish(context, undefined);
      return;
    }
    exchange.send(
      reply.status,
      {
        "Content-Type": "application/json",
        ...headers,
        // The rest of an oversized body was read and thrown away; this connection is done.
        ...(reply.status === 413 ? { Connection: "close" } : undefined),
      },
      reply.body,
    );
    this.finish(context, reply.status, reply.errorType);
  }

  /**
   * One call: envelope, params, handler, reply written; every error becomes its reply in errorReply.
   * Kept to the few lines that wait for the handler, the rest in helpers: this frame lives as
   * long as each held poll, and its size grows with every local and loop in it (this split and
   * the poll route no longer async took RSS per held poll from 11.82 to 11.42 KB; docs/performance.md).
   * It writes the reply itself: a .then to write it would keep a promise and a closure per held poll.
   */
  private async answer(route: RpcRoute, exchange: Exchange, context: RequestContext, headers: Readonly<Record<string, string>>): Promise<void> {
    const call: CallState = { id: null, rawParams: undefined };
    let reply: RpcReply;
    try {
      const params = await this.accept(route, exchange, call, context);
      if (context.dropped) return this.write(exchange, DROPPED, headers, context);
      const result = await route.handle(params, context);
      if (this.waits.afterCommit) await this.runHooks("afterCommit", context);
      reply = resultReply(call.id, result instanceof RawJson ? result.json : JSON.stringify(result ?? null));
    } catch (error) {
      reply = this.failed(route, call, exchange, error);
    }
    if (this.waits.beforeReply) await this.runHooks("beforeReply", context, reply);
    this.write(exchange, reply, headers, context);
  }

  /** The call's valid params, once the beforeHandle hooks have run; `call` learns the id and raw params as soon as they are known. */
  private async accept(route: RpcRoute, exchange: Exchange, call: CallState, context: RequestContext): Promise<unknown> {
    const envelope = parseEnvelope(await exchange.body(this.bodyLimit));
    call.id = envelope.id;
    call.rawParams = envelope.params;
    const tooDeep = pathTooDeep(envelope.params);
    if (tooDeep) throw new ValidationError(`${tooDeep}: nested deeper than ${MAX_JSON_DEPTH} levels`);
    const params = parseOrThrow(route.params, envelope.params);
    context.params = envelope.params;
    if (this.waits.beforeHandle) await this.runHooks("beforeHandle", context);
    return params;
  }

  /** Only hooks that have the point are awaited: the metrics hook is always there and has none of these. */
  private async runHooks(point: HookPoint, context: RequestContext, reply?: RpcReply): Promise<void> {
    for (const hooks of this.hooks) {
      if (point === "beforeReply") {
        if (hooks.beforeReply) await hooks.beforeReply(context, reply!);
      } else if (hooks[point]) await hooks[point](context);
    }
  }

  private failed(route: RpcRoute, call: CallState, exchange: Exchange, error: unknown): RpcReply {
    if (!isExpectedError(error)) this.log.error({ err: error, path: route.path }, "request failed");
    else if (error instanceof PosSyncError) this.errorLog?.record(route.path, call.rawParams, exchange.clientAddress, error);
    return errorReply(call.id, error);
  }

  private finish(context: RequestContext, status: number | undefined, errorType?: string): void {
    context.finish(this.hooks, status, errorType);
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
