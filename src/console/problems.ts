import type { TerminalState } from "./presence.ts";

/** Refused edits count as a problem for this long after they were refused. */
export const REFUSED_EDITS_WINDOW_MS = 3600_000;

/** What the console holds against a terminal: its state now, and whether it is behind (when that is known). */
export interface TerminalStatus {
  state: TerminalState;
  behind?: boolean;
}

/**
 * Why a database or a multi-session needs a look, and what "problems first" sorts by: terminals
 * offline now or behind, and edits refused in the last hour (whatever became of them since).
 */
export interface Problems {
  offline: number;
  behind: number;
  refusedLastHour: number;
  /** Terminals offline or behind (each once), plus the refused edits. */
  count: number;
}

export function problemsOf(terminals: Iterable<TerminalStatus>, refusedLastHour: number): Problems {
  let offline = 0;
  let behind = 0;
  let troubled = 0;
  for (const terminal of terminals) {
    if (terminal.state === "offline") offline += 1;
    if (terminal.behind) behind += 1;
    if (terminal.state === "offline" || terminal.behind) troubled += 1;
  }
  return { offline, behind, refusedLastHour, count: troubled + refusedLastHour };
}
