import type { Caller } from "./caller.ts";
import type { RpcReply } from "./replies.ts";

/**
 * What a route leaves behind for its observers, as data on its context (never a module-level
 * map). Features add their fields by declaration merging, e.g. the sync feature's `sync`:
 *   declare module "../http/hooks.ts" { interface RouteOutcome { sync?: SyncOutcome } }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by the features' declaration merging
export interface RouteOutcome {}

/**
 * The seam for observing and disturbing calls (metrics, QA fault rules): the door calls each
 * hook of every registered RouteHooks at these points, in registration order. beforeHandle,
 * afterCommit and beforeReply run for JSON-RPC calls only; finished runs for every routed
 * request. A hook that throws a PosSyncError or ProtocolError answers the call with it, as a
 * route would.
 */
export interface RouteContext {
  /** The route path, without the /k/<key> prefix (e.g. "/longpolling/poll"); a plain route's pattern. */
  readonly route: string;
  /** Whether the key came in the path prefix. */
  readonly keyInPath: boolean;
  readonly caller: Caller;
  /** The call's params as sent (valid for the route's schema by the time beforeHandle runs); undefined on plain routes. */
  readonly params: unknown;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** What the handler left for observers (see RouteOutcome). */
  outcome: RouteOutcome;
  /** Closes the connection without a reply; the call's work, if done, stays done. */
  drop(): void;
}

export interface CallOutcome {
  /** The HTTP status written, or undefined when the connection was dropped or gone first. */
  status: number | undefined;
  /** Milliseconds from arrival to the reply written (or the drop). */
  ms: number;
  /** The reply's error kind (exception_type, or the protocol error's), when it was an error. */
  errorType?: string | undefined;
}

export interface RouteHooks {
  /** Params are valid; the route's handler is about to run (not if a hook drops the call here). */
  beforeHandle?(context: RouteContext): void | Promise<void>;
  /** The handler returned: whatever it wrote is committed. */
  afterCommit?(context: RouteContext): void | Promise<void>;
  /** The reply (success or error) is built and about to be written; may delay it. */
  beforeReply?(context: RouteContext, reply: RpcReply): void | Promise<void>;
  /** The request is over: reply written, connection dropped, or client gone. */
  finished?(context: RouteContext, outcome: CallOutcome): void;
}
