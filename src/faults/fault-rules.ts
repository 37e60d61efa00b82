import { ROUTES } from "../protocol/routes.ts";
import { randomBytes } from "node:crypto";
import type { Clock } from "../bus/bus.ts";
import type { SharedFaultRule, SharedFaultRules } from "../db/contracts/cluster.ts";
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
  /** A store other nodes share (addFaultRule etc. present): the rules live there, this node reads them again every `refreshMs`. */
  store?: Partial<SharedFaultRules>;
  refreshMs?: number;
}

/** Half a second: a rule added through another node applies here within a second, and the table is read twice a second only with test features on. */
const REFRESH_MS = 500;

interface StoredRule {
  rule: FaultRule;
  /** Epoch ms after which the rule no longer matches. */
  until: number | undefined;
}

export type FiredTotal = Readonly<Record<EffectType, number>>;

/**
 * The run-time fault rules (docs/qa-and-faults.md). Rules are tried in the order they were
 * added; the first that matches and wins its probability draw applies, so a request gets at
 * most one effect. On one node they live in memory (a restart forgets them). With a shared
 * store they live in it and this map is a copy read again every half second; each firing is
 * taken from the store, so `count` holds for the cluster: a rule with count 1 fires once in
 * all, on whichever node first serves a matching request, and a matching request on another
 * node then goes on as if the rule had run out. Probability is drawn per request by the node
 * serving it; expiry is a wall-clock time every node compares with its own clock.
 */
export class FaultRules {
  private rules = new Map<string, StoredRule>();
  private readonly fired = Object.fromEntries(EFFECT_TYPES.map((type) => [type, 0])) as Record<EffectType, number>;
  private readonly shutdown = new AbortController();
  private readonly random: () => number;
  private readonly maxRules: number;

  private readonly shared: SharedFaultRules | undefined;
  private readonly refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: FaultRulesOptions) {
    this.random = options.random ?? Math.random;
    this.maxRules = options.maxRules ?? 1000;
    this.shared = sharedRulesOf(options.store);
    if (this.shared) {
      let busy = false;
      this.refreshTimer = setInterval(() => {
        if (busy) return;
        busy = true;
        void this.refresh()
          .catch((error: unknown) => options.log.warn({ err: error }, "reading the shared fault rules failed; retrying"))
          .finally(() => {
            busy = false;
          });
      }, options.refreshMs ?? REFRESH_MS);
      this.refreshTimer.unref();
    }
  }

  /** Reads the shared rules again (a copy of the store's, with their firings in all). */
  async refresh(): Promise<void> {
    if (!this.shared) return;
    const rows = await this.shared.listFaultRules();
    this.rules = new Map(rows.map((row) => [row.id, storedOf(row)]));
  }

  /** Validates `input` (a ValidationError names the bad field) and adds it. */
  async add(input: unknown): Promise<FaultRule> {
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
    if (this.shared) {
      const { fired: _fired, ...shared } = rule;
      await this.shared.addFaultRule({ id, rule: JSON.stringify(shared), until: until ?? null, count: rule.count, fired: 0 });
    }
    this.rules.set(id, { rule, until });
    this.options.log.info({ rule: id, match: parsed.match, effect: parsed.effect }, "fault rule added");
    return rule;
  }

  /** Every rule, with how often it fired (on every node) and whether it still matches. */
  async list(): Promise<Array<FaultRule & { active: boolean }>> {
    await this.refresh();
    const now = this.options.clock.now();
    return [...this.rules.values()].map((stored) => ({ ...stored.rule, active: this.isActive(stored, now) }));
  }

  async remove(id: string): Promise<boolean> {
    const deleted = this.shared ? (await this.shared.deleteFaultRules(id)) > 0 : this.rules.has(id);
    this.rules.delete(id);
    return deleted;
  }

  /** Removes every rule; returns how many there were. */
  async clear(): Promise<number> {
    const count = this.shared ? await this.shared.deleteFaultRules(undefined) : this.rules.size;
    this.rules.clear();
    return count;
  }

  /** Injections so far per effect, since the start (deleting rules does not lower them). */
  firedTotal(): FiredTotal {
    return { ...this.fired };
  }

  /**
   * The effect for a request on `route` with JSON-RPC `params`, or undefined (always, and at
   * once without a promise, when there are no rules).
   */
  decide(route: string, params: unknown): Promise<FaultInjection | undefined> | undefined {
    if (this.rules.size === 0) return undefined;
    const origin = originOf(route, params);
    if (!origin) return undefined;
    return this.decideFor(origin);
  }

  private async decideFor(origin: RequestOrigin): Promise<FaultInjection | undefined> {
    const now = this.options.clock.now();
    for (const stored of this.rules.values()) {
      if (!this.isActive(stored, now) || !matches(stored.rule, origin)) continue;
      if (!(this.random() < stored.rule.probability)) continue;
      const fire = () => this.fire(stored, origin);
      // delay_delivery fires only when a poll has something to deliver (see FaultInjection).
      if (stored.rule.effect.type !== "delay_delivery" && !(await fire())) continue;
      return new FaultInjection(stored.rule, { fire, random: this.random, shutdown: this.shutdown.signal });
    }
    return undefined;
  }

  /** Lets go of every delayed and hung request, as at shutdown. */
  close(): void {
    clearInterval(this.refreshTimer);
    this.shutdown.abort();
  }

  private isActive(stored: StoredRule, now: number): boolean {
    const { rule, until } = stored;
    return (until === undefined || now < until) && (rule.count === null || rule.fired < rule.count);
  }

  private async fire(stored: StoredRule, origin: RequestOrigin): Promise<boolean> {
    const { rule } = stored;
    if (rule.count !== null && rule.fired >= rule.count) return false;
    if (this.shared && !(await this.shared.takeFaultFiring(rule.id))) {
      // Used up on another node meanwhile (or deleted): this copy learns it now rather than at the next refresh.
      if (rule.count !== null) rule.fired = rule.count;
      return false;
    }
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

function sharedRulesOf(store: Partial<SharedFaultRules> | undefined): SharedFaultRules | undefined {
  if (!store?.addFaultRule || !store.listFaultRules || !store.deleteFaultRules || !store.takeFaultFiring) return undefined;
  return {
    addFaultRule: store.addFaultRule.bind(store),
    listFaultRules: store.listFaultRules.bind(store),
    deleteFaultRules: store.deleteFaultRules.bind(store),
    takeFaultFiring: store.takeFaultFiring.bind(store),
  };
}

function storedOf(row: SharedFaultRule): StoredRule {
  const rule = { ...(JSON.parse(row.rule) as Omit<FaultRule, "fired">), fired: row.fired };
  return { rule, until: row.until ?? undefined };
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
