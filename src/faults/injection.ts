import { setTimeout as sleep } from "node:timers/promises";
import type { RouteContext } from "../http/hooks.ts";
import type { Effect, FaultRule } from "./rule.ts";

/** What an effect needs of a reply once the route has answered. */
export interface ReplyLike {
  status: number;
  body: string;
}

export interface InjectionContext {
  /** Counts and logs the injection; false when the rule ran out (count) meanwhile, here or on another node. */
  fire(): Promise<boolean>;
  random(): number;
  /** Aborted when the server shuts down: every held request lets go. */
  shutdown: AbortSignal;
}

/**
 * One rule's effect on one request, applied by the faults feature's hooks (src/faults/feature.ts):
 * `beforeHandling` once the params are valid, before the handler runs; `beforeReply` once the
 * reply is built. Either returns false when it dropped the connection; the door then writes
 * nothing (the hooks need not look at the result).
 */
export class FaultInjection {
  constructor(
    readonly rule: FaultRule,
    private readonly context: InjectionContext,
  ) {}

  get effect(): Effect {
    return this.rule.effect;
  }

  async beforeHandling(call: RouteContext): Promise<boolean> {
    const effect = this.rule.effect;
    switch (effect.type) {
      case "delay_request":
        await this.wait(effect);
        return true;
      case "hang":
        await untilGone(call, this.context.shutdown);
        call.drop();
        return false;
      case "offline":
        call.drop();
        return false;
      default:
        return true;
    }
  }

  async beforeReply(reply: ReplyLike, call: RouteContext): Promise<boolean> {
    const effect = this.rule.effect;
    switch (effect.type) {
      case "delay_reply":
        await this.wait(effect);
        return true;
      case "drop_reply":
        // Applied and committed already: the client sees a network error for an update that happened.
        call.drop();
        return false;
      case "delay_delivery":
        // Counted only when there is something to deliver late.
        if (carriesNotifications(reply) && (await this.context.fire())) await this.wait(effect);
        return true;
      default:
        return true;
    }
  }

  private async wait(effect: { ms: number; jitter_ms: number }): Promise<void> {
    const jitter = effect.jitter_ms * (this.context.random() * 2 - 1);
    const ms = Math.max(0, Math.round(effect.ms + jitter));
    await sleep(ms, undefined, { signal: this.context.shutdown }).catch(() => undefined);
  }
}

/** A poll reply with at least one notification (the result of an empty one is `[]`). */
export function carriesNotifications(reply: ReplyLike): boolean {
  return reply.status === 200 && !/"result":\s*\[\s*\]\s*}\s*$/.test(reply.body) && /"result":\s*\[/.test(reply.body);
}

function untilGone(call: RouteContext, shutdown: AbortSignal): Promise<void> {
  if (shutdown.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      call.caller.offClientGone(done);
      shutdown.removeEventListener("abort", done);
      resolve();
    };
    call.caller.onClientGone(done);
    shutdown.addEventListener("abort", done, { once: true });
  });
}
