import type { Exchange } from "./exchange.ts";
import type { CallOutcome, RouteContext, RouteHooks, RouteOutcome } from "./hooks.ts";

/** A request's RouteContext. A class: one lives as long as each held poll. */
export class RequestContext implements RouteContext {
  params: unknown = undefined;
  outcome: RouteOutcome = {};
  readonly startedAt = performance.now();
  dropped = false;

  constructor(
    readonly route: string,
    private readonly exchange: Exchange,
    readonly keyInPath: boolean,
  ) {}

  get caller(): Exchange {
    return this.exchange;
  }

  drop(): void {
    this.dropped = true;
    this.exchange.destroy();
  }

  /** Tells every hook the request is over. */
  finish(hooks: readonly RouteHooks[], status: number | undefined, errorType?: string): void {
    const outcome: CallOutcome = { status, ms: performance.now() - this.startedAt, errorType };
    for (const hook of hooks) hook.finished?.(this, outcome);
  }
}
