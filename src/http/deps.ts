import type { BackendPush } from "../bus/backend-push.ts";
import type { Bus, Clock } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import type { Config } from "../config.ts";
import type { Monitor } from "../console/monitor.ts";
import type { FaultRules } from "../faults/fault-rules.ts";
import type { KeyRing } from "../keys/key-ring.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../log.ts";
import type { Access } from "./access.ts";
import type { ErrorLog } from "./error-log.ts";
import type { RouteHooks } from "./hooks.ts";

/** Everything the HTTP layer is built from; route families take the parts they use. */
export interface AppDeps {
  config: Config;
  store: Store;
  bus: Bus;
  access: Access;
  knownTerminals: KnownTerminals;
  push: BackendPush;
  clock: Clock;
  log: Logger;
  /** Metrics, terminals' presence and recent activity: what the console and /metrics show. */
  monitor: Monitor;
  /** Observers of every JSON-RPC call (metrics, fault rules); none by default. */
  hooks?: readonly RouteHooks[];
  /** Rate-limited info lines for refused accesses and application errors. */
  errorLog?: ErrorLog;
  /** Every database key the node honours, configured and stored (the keys API's source). */
  keys?: KeyRing | undefined;
  /** QA fault rules; only with test features on. */
  faults?: FaultRules | undefined;
}
