import type { BackendPush } from "../bus/backend-push.ts";
import type { Bus, Clock } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import type { Config } from "../config.ts";
import type { Store } from "../db/store.ts";
import type { FaultRules } from "../faults/fault-rules.ts";
import type { Access } from "../http/access.ts";
import type { ErrorLog } from "../http/error-log.ts";
import type { RouteHooks } from "../http/hooks.ts";
import type { KeyRing } from "../keys/key-ring.ts";
import type { Logger } from "../log.ts";
import type { PhaseTiming } from "../metrics/phase-timing.ts";
import type { MergeCounters } from "../sync/merge-outcomes.ts";
import type { Monitor } from "./monitor.ts";

/** Everything the server is assembled from; each feature takes the parts it uses. */
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
  /** What became of stale updates with POS_SYNC_MERGE on. */
  merges: MergeCounters;
  /** Extra observers of every request (tests); none by default. */
  hooks?: readonly RouteHooks[];
  /** Rate-limited info lines for refused accesses and application errors. */
  errorLog?: ErrorLog;
  /** Every database key the node honours, configured and stored (the keys API's source). */
  keys?: KeyRing | undefined;
  /** QA fault rules; only with test features on. */
  faults?: FaultRules | undefined;
  /** The bench's phase timing (POS_SYNC_PHASE_SAMPLING); usually none. */
  phases?: PhaseTiming | undefined;
}
