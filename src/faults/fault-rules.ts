import { ROUTES } from "../protocol/routes.ts";
import { randomBytes } from "node:crypto";
import type { Clock } from "../bus/bus.ts";
import { LimitExceededError, ValidationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { FaultInjection } from "./injection.ts";
import { EFFECT_TYPES, ruleInputSchema, type EffectType, type FaultRule } from "./rule.ts";
import { originOf, type RequestOrigin } from "./terminal.ts";

export interface FaultRulesOptions {
  clock: Clock;
  log: Logger;
  /** Defaults to Math.random; a test may pin it. */
  random?: () => number;
  maxRules?: number;
  /** Called once per injection (the server passes none: /metrics reads firedTotal() instead). */
  onInjected?: (effect: EffectType) => void;
}

interface StoredRule {
  rule: FaultRule;
  /** Epoch ms after which the rule no longer matches. */
  until: number | undefined;
}

export type FiredTotal = Readonly<Record<EffectType, number>>;

/**
 * The run-time fault rules (docs/qa-and-faults.md), in memory only: a restart forgets them.
 * Rules are tried in the order they were added; the first that matches and wins its
 * probability draw applies, so a request gets at most one effect.
 */
export class FaultRules {
  private readonly rules = new Map<string, StoredRule>();
  private readonly fired = Object.fromEntries(EFFECT_TYPES.map((type) => [type, 0])) as Record<EffectType, number>;
  private readonly shutdown = new AbortController();
  private readonly random: () => number;
  private readonly maxRules: number;

  constructor(private readonly options: FaultRulesOptions) {
    this.random = options.random ?? Math.random;
    this.maxRules = options.maxRules ?? 1000;
  }

  /** Validates `input` (a ValidationError names the bad field) and adds it. */
  add(input: unknown): FaultRule {
    const result = ruleInputSchema.safeParse(input);
    if (!result.success) throw new FaultRuleError(result.error.issues);
    const parsed = result.data;
    if (this.rules.size >= this.maxRules) throw new LimitExceededError(`rules: at most ${this.maxRules} fault rules; delete some first`);
    const now = this.options.clock.now();
    const ends = [
      parsed.expires_s === null ? undefined : now + parsed.expires_s * 1000,
      parsed.effect.type === "offline" && parsed.effect.ms !== null ? now + parsed.effect.ms : undefined,
    ].filter((end): end is number => end !== undefined);
    const until = ends.length > 0 ? Math.min(...ends) : undefined;
    let id = randomBytes(4).toString("hex");
    while (this.rules.has(id)) id = randomBytes(4).toString("hex");
    const rule: FaultRule = {
      id,
      ...parsed,
      fired: 0,
      created_at: new Date(now).toISOString(),
      expires_at: until === undefined ? null : new Date(until).toISOString(),
    };
    this.rules.set(id, { rule, until });
    this.options.log.info({ rule: id, match: parsed.match, effect: parsed.effect }, "fault rule added");
    return rule;
  }

  /** Every rule, with how often it fired and whether it still matches. */
  list(): Array<FaultRule & { active: boolean }> {
    const now = this.options.clock.now();
    return [...this.rules.values()].map((stored) => ({ ...stored.rule, active: this.isActive(stored, now) }));
  }

  remove(id: string): boolean {
    return this.rules.delete(id);
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const count = this.rules.size;
    this.rules.clear();
    return count;
  }

  /** Injections so far per effect, since the start (deleting rules does not lower them). */
  firedTotal(): FiredTotal {
    return { ...this.fired };
  }

  /**
   * The effect for a request on `route` with JSON-RPC `params`, or undefined (always, and at
   * once, when there are no rules).
   */
  decide(route: string, params: unknown): FaultInjection | undefined {
    if (this.rules.size === 0) return undefined;
    const origin = originOf(route, params);
    if (!origin) return undefined;
    const now = this.options.clock.now();
    for (const stored of this.rules.values()) {
      if (!this.isActive(stored, now) || !matches(stored.rule, origin)) continue;
      if (!(this.random() < stored.rule.probability)) continue;
      const fire = () => this.fire(stored, origin);
      // delay_delivery fires only when a poll has something to deliver (see FaultInjection).
      if (stored.rule.effect.type !== "delay_delivery" && !fire()) continue;
      return new FaultInjection(stored.rule, { fire, random: this.random, shutdown: this.shutdown.signal });
    }
    return undefined;
  }

  /** Lets go of every delayed and hung request, as at shutdown. */
  close(): void {
    this.shutdown.abort();
  }

  private isActive(stored: StoredRule, now: number): boolean {
    const { rule, until } = stored;
    return (until === undefined || now < until) && (rule.count === null || rule.fired < rule.count);
  }

  private fire(stored: StoredRule, origin: RequestOrigin): boolean {
    const { rule } = stored;
    if (rule.count !== null && rule.fired >= rule.count) return false;
    rule.fired += 1;
    this.fired[rule.effect.type] += 1;
    this.options.onInjected?.(rule.effect.type);
    const terminal = origin.terminals.find((t) => t.dbname === rule.match.dbname && (rule.match.pos_id === null || t.posId === rule.match.pos_id));
    this.options.log.info(
      { rule: rule.id, effect: rule.effect.type, route: origin.route, dbname: terminal?.dbname, pos_id: terminal?.posId, action: origin.action },
      "fault injected",
    );
    return true;
  }
}

/** A bad rule; `field` is the dotted path of the first bad field ("match.dbname"). */
export class FaultRuleError extends ValidationError {
  constructor(issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string; keys?: readonly string[] }>) {
    // An unknown key (a typo such as "macth") is named itself, not its parent.
    const named = issues.map((issue) => ({
      field: [...issue.path, ...(issue.keys?.slice(0, 1) ?? [])].map(String).join(".") || "rule",
      message: issue.message,
    }));
    super(named.map(({ field, message }) => `${field}: ${message}`).join("; "), named[0]?.field ?? "rule");
  }
}

function matches(rule: FaultRule, origin: RequestOrigin): boolean {
  const { match } = rule;
  if (match.route !== null && match.route !== origin.route) return false;
  if (match.action !== null && match.action !== origin.action) return false;
  if (rule.effect.type === "delay_delivery" && origin.route !== ROUTES.poll) return false;
  return origin.terminals.some((t) => t.dbname === match.dbname && (match.pos_id === null || t.posId === match.pos_id));
}
