/**
 * The console page's script (compiled by `npm run build`, served at /console/app.js). It reads
 * the JSON routes under /console/api twice a second and redraws. The key lives in
 * sessionStorage and travels as Authorization: Bearer; it never enters a URL.
 */
import type { NodeHeartbeat } from "../../db/contracts/cluster.ts";
import type { HistoryPoint } from "../../metrics/history.ts";
import type { TimelineEvent } from "../activity.ts";
import type { TerminalState } from "../presence.ts";
import type { EndedRunOrderView, RefusedEditView } from "../recovery-routes.ts";
import type { ListPage } from "../listing.ts";
import type { DatabaseLists, DatabaseSummary, SessionSummary } from "../lists.ts";
import type { Problems } from "../problems.ts";
import type { OrderView, TerminalView } from "../views.ts";

// The JSON the console routes answer, typed by the server's own view types (erased at build: the
// page loads no module but this one).
type State = TerminalState;
type NodeRow = NodeHeartbeat & { alive: boolean; self: boolean };
type Terminal = TerminalView;
type Order = OrderView;

// biome-ignore lint/complexity/noUselessEmptyExport: the imports are type-only and vanish from the output
export {};

interface Viewer {
  role: "admin" | "shop";
  dbname?: string;
}

interface Overview {
  version: string;
  viewer: Viewer;
  node: { id: string; startedAt: number; uptimeSeconds: number };
  store: { kind: string; healthy: boolean };
  pollTimeoutSeconds: number;
  heldPolls: number;
  terminals: { online: number; known: number; behind: number };
  behindAfterSeconds: number;
  databases: number;
  /** The admin's only: every node seen in the last minute. */
  nodes?: NodeRow[];
  history: { intervalSeconds: number; points: HistoryPoint[] };
}

type DatabaseDetail = Awaited<ReturnType<DatabaseLists["sessions"]>>;

interface SessionDetail {
  dbname: string;
  multiSessionId: number;
  runId: number;
  orderId: number;
  terminals: Terminal[];
  orders: Order[];
  timeline: TimelineEvent[];
}

type Route = { view: "overview" } | { view: "database"; dbname: string } | { view: "session"; dbname: string; multiSessionId: number };

const KEY_STORAGE = "pos-sync-console-key";
/** Twice a second: an order must show within a second of its update. */
const REFRESH_MS = 500;
const TIMELINE_KEPT = 200;
/** Rows per page of a list: the page draws only those. */
const PAGE_SIZE = 50;

class Unauthorized extends Error {}

const main = document.getElementById("main") as HTMLElement;
const loginForm = document.getElementById("login") as HTMLFormElement;
const loginError = document.getElementById("login-error") as HTMLElement;
const keyInput = document.getElementById("key") as HTMLInputElement;
const logoutButton = document.getElementById("logout") as HTMLButtonElement;
const who = document.getElementById("who") as HTMLElement;
const crumbs = document.getElementById("crumbs") as HTMLElement;

let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;
/** The session whose timeline is accumulated below, and the last event seen. */
let timeline: { session: string; lastSeq: number; events: TimelineEvent[] } = { session: "", lastSeq: 0, events: [] };
/** What the operator's last re-apply, dismissal or restore answered; shown until the next one. */
let actionResult: { ok: boolean; text: string } | undefined;

async function api<T>(path: string, method = "GET"): Promise<T> {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const response = await fetch(`/console/api${path}`, { method, headers: key ? { Authorization: `Bearer ${key}` } : {}, cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  if (response.status === 401) throw new Unauthorized(body.error ?? "A key is needed");
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body as T;
}

function currentRoute(): Route {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "db" && parts[1]) {
    if (parts[2] === "ms" && parts[3] && /^\d+$/.test(parts[3])) return { view: "session", dbname: parts[1], multiSessionId: Number(parts[3]) };
    return { view: "database", dbname: parts[1] };
  }
  return { view: "overview" };
}

/** Redraws the current view now, then every REFRESH_MS until the route changes. */
function refresh(): void {
  clearTimeout(timer);
  const mine = ++generation;
  void draw(currentRoute(), () => mine === generation)
    .then(() => {
      loginForm.hidden = true;
      main.hidden = false;
      void drawFaults();
    })
    .catch((error: unknown) => {
      if (mine !== generation) return;
      if (error instanceof Unauthorized) return showLogin(error.message);
      main.replaceChildren(el("p", { class: "error", id: "load-error" }, String((error as Error).message)));
    })
    .finally(() => {
      if (mine === generation && loginForm.hidden) timer = setTimeout(refresh, REFRESH_MS);
    });
}

/** `current`: false once a later redraw started (a new search, another page): this one then draws nothing. */
async function draw(route: Route, current: () => boolean): Promise<void> {
  if (route.view === "overview") {
    const controls = (databaseControls ??= new ListControls("databases", "database name", refresh));
    const [overview, databases] = await Promise.all([api<Overview>("/overview"), api<ListPage<DatabaseSummary>>(`/databases${controls.query()}`)]);
    if (!current()) return;
    const started = performance.now();
    showViewer(overview.viewer);
    setCrumbs([]);
    const parts = screenOf("overview", controls);
    parts.top.replaceChildren(...overviewView(overview, databases));
    parts.list.replaceChildren(
      databaseTable(databases),
      el("p", { class: "muted" }, `node ${overview.node.id} · poll timeout ${overview.pollTimeoutSeconds} s`),
    );
    controls.show(databases);
    performance.measure("console:render", { start: started });
  } else if (route.view === "database") {
    if (sessionControls?.dbname !== route.dbname)
      sessionControls = { dbname: route.dbname, controls: new ListControls("sessions", "multi-session or pos id", refresh) };
    const { controls } = sessionControls;
    const detail = await api<DatabaseDetail>(`/databases/${encodeURIComponent(route.dbname)}${controls.query()}`);
    if (!current()) return;
    const started = performance.now();
    setCrumbs([[route.dbname, undefined]]);
    const parts = screenOf(`db/${route.dbname}`, controls);
    parts.top.replaceChildren(...databaseHeader(detail));
    parts.list.replaceChildren(...databaseView(detail));
    controls.show(detail);
    performance.measure("console:render", { start: started });
  } else {
    const sessionKey = `${route.dbname}/${route.multiSessionId}`;
    if (timeline.session !== sessionKey) timeline = { session: sessionKey, lastSeq: 0, events: [] };
    const path = `/databases/${encodeURIComponent(route.dbname)}/sessions/${route.multiSessionId}?after=${timeline.lastSeq}`;
    const base = `/databases/${encodeURIComponent(route.dbname)}/sessions/${route.multiSessionId}`;
    const [detail, refused, ended] = await Promise.all([
      api<SessionDetail>(path),
      api<{ edits: RefusedEditView[] }>(`${base}/refused-edits`),
      api<{ orders: EndedRunOrderView[] }>(`${base}/ended-run-orders`),
    ]);
    if (timeline.session !== sessionKey || !current()) return;
    timeline.events = [...timeline.events, ...detail.timeline].slice(-TIMELINE_KEPT);
    timeline.lastSeq = timeline.events.at(-1)?.seq ?? timeline.lastSeq;
    setCrumbs([
      [route.dbname, `#/db/${encodeURIComponent(route.dbname)}`],
      [`multi-session ${route.multiSessionId}`, undefined],
    ]);
    const openRefused = new Map<string, number>();
    for (const edit of refused.edits) if (edit.status === "open") openRefused.set(edit.uid, (openRefused.get(edit.uid) ?? 0) + 1);
    main.replaceChildren(...sessionView(detail, timeline.events, openRefused), ...recoveryView(base, refused.edits, ended.orders));
  }
}

/**
 * A list's search box, sort and pager. They outlive the redraws (only the rows are redrawn
 * twice a second), so typing and focus are never interrupted.
 */
class ListControls {
  readonly element: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly sort: HTMLSelectElement;
  private readonly order: HTMLSelectElement;
  private readonly range: HTMLElement;
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private offset = 0;

  constructor(id: string, searched: string, changed: () => void) {
    this.search = el("input", { type: "search", name: "q", maxlength: "100", placeholder: `search ${searched}`, autocomplete: "off" }) as HTMLInputElement;
    this.sort = select("sort", [
      ["problems", "problems first"],
      ["name", "name"],
      ["activity", "last activity"],
    ]);
    this.order = select("order", [
      ["", "usual order"],
      ["asc", "ascending"],
      ["desc", "descending"],
    ]);
    this.previous = el("button", { type: "button", "data-page": "previous" }, "‹ previous") as HTMLButtonElement;
    this.next = el("button", { type: "button", "data-page": "next" }, "next ›") as HTMLButtonElement;
    this.range = el("span", { class: "range muted" });
    this.element = el("form", { class: "list-controls", id: `${id}-controls` }, this.search, this.sort, this.order, this.previous, this.range, this.next);
    const restart = () => {
      this.offset = 0;
      changed();
    };
    this.search.addEventListener("input", restart);
    this.sort.addEventListener("change", restart);
    this.order.addEventListener("change", restart);
    this.element.addEventListener("submit", (event) => event.preventDefault());
    this.previous.addEventListener("click", () => {
      this.offset = Math.max(0, this.offset - PAGE_SIZE);
      changed();
    });
    this.next.addEventListener("click", () => {
      this.offset += PAGE_SIZE;
      changed();
    });
  }

  /** The list route's query string for what the controls say now. */
  query(): string {
    const params = new URLSearchParams({ sort: this.sort.value, offset: String(this.offset), limit: String(PAGE_SIZE) });
    const q = this.search.value.trim();
    if (q) params.set("q", q);
    if (this.order.value) params.set("order", this.order.value);
    return `?${params}`;
  }

  show(page: ListPage<unknown>): void {
    const last = page.offset + page.items.length;
    this.range.textContent = page.total === 0 ? "none" : `${page.offset + 1}–${last} of ${page.total}`;
    this.previous.disabled = page.offset === 0;
    this.next.disabled = last >= page.total;
    // The list shrank under this page (fewer matches now): back to its last page at the next redraw.
    if (page.items.length === 0 && page.total > 0) this.offset = Math.floor((page.total - 1) / PAGE_SIZE) * PAGE_SIZE;
  }
}

let databaseControls: ListControls | undefined;
let sessionControls: { dbname: string; controls: ListControls } | undefined;
/** The view on screen: what is redrawn above and below its list's controls. */
let screen: { key: string; top: HTMLElement; list: HTMLElement } | undefined;

function screenOf(key: string, controls: ListControls): { top: HTMLElement; list: HTMLElement } {
  if (screen?.key === key && main.contains(screen.top) && main.contains(controls.element)) return screen;
  screen = { key, top: el("div", {}), list: el("div", {}) };
  main.replaceChildren(screen.top, controls.element, screen.list);
  return screen;
}

function overviewView(overview: Overview, databases: ListPage<DatabaseSummary>): Node[] {
  const card = (label: string, value: string, id: string) =>
    el("div", { class: "card" }, el("div", { class: "label" }, label), el("div", { class: "value", id }, value));
  const minute = overview.history.points.filter((point) => point.at > overview.history.points.at(-1)!.at - 60_000);
  const rate = minute.length > 0 ? minute.reduce((sum, point) => sum + point.notificationsPerSecond, 0) / minute.length : undefined;
  const p99s = minute.flatMap((point) => (point.commitP99Ms === null ? [] : [point.commitP99Ms]));
  return [
    el(
      "div",
      { class: "cards" },
      card("version", overview.version, "version"),
      card("uptime", duration(overview.node.uptimeSeconds), "uptime"),
      card("store", `${overview.store.kind}${overview.store.healthy ? "" : " (down)"}`, "store"),
      card("held polls", String(overview.heldPolls), "held-polls"),
      card("terminals online / known", `${overview.terminals.online} / ${overview.terminals.known}`, "terminals"),
      card(`terminals behind (over ${overview.behindAfterSeconds} s)`, String(overview.terminals.behind), "terminals-behind"),
      card("databases", String(overview.databases), "databases"),
      card("notifications/s, last minute", rate === undefined ? "–" : round(rate), "rate"),
      card("commit p99, worst in last minute", p99s.length > 0 ? `${round(Math.max(...p99s))} ms` : "–", "commit-p99"),
    ),
    el("h2", {}, `Last ${duration(overview.history.points.length * overview.history.intervalSeconds)} (a point every ${overview.history.intervalSeconds} s)`),
    chart(overview.history.points),
    ...(overview.nodes ? [el("h2", {}, `Nodes (${overview.nodes.length})`), nodeTable(overview.nodes)] : []),
    el(
      "h2",
      {},
      `Databases (${databases.total}${databases.q ? ` matching "${databases.q}"` : ""})`,
      el("span", { class: "muted", id: "databases-with-problems" }, ` · ${databases.withProblems} with problems`),
    ),
  ];
}

/** Only the page's rows: a thousand databases draw fifty. */
function databaseTable(databases: ListPage<DatabaseSummary>): HTMLElement {
  return table(
    ["database", "problems", "multi-sessions", "terminals", "online", "offline", "behind", "refused, last hour", "last activity"],
    databases.items.map((db) =>
      el(
        "tr",
        { "data-dbname": db.dbname, "data-problems": String(db.problems.count), ...(db.problems.count > 0 ? { class: "problem" } : {}) },
        el("td", {}, link(`#/db/${encodeURIComponent(db.dbname)}`, db.dbname)),
        el("td", {}, problemsText(db.problems)),
        num(db.multiSessions),
        num(db.terminals),
        num(db.online),
        num(db.problems.offline),
        num(db.problems.behind),
        num(db.problems.refusedLastHour),
        el("td", {}, db.lastActivityAt ? ago(db.lastActivityAt) : "–"),
      ),
    ),
    "databases",
  );
}

function select(name: string, options: [value: string, label: string][]): HTMLSelectElement {
  return el("select", { name }, ...options.map(([value, label]) => el("option", { value }, label))) as HTMLSelectElement;
}

function problemsText(problems: Problems): string {
  const parts = [
    problems.offline > 0 ? `${problems.offline} offline` : "",
    problems.behind > 0 ? `${problems.behind} behind` : "",
    problems.refusedLastHour > 0 ? `${problems.refusedLastHour} refused` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(", ") : "–";
}

function nodeTable(nodes: NodeRow[]): HTMLElement {
  return table(
    ["node", "state", "url", "version", "up since", "last heartbeat", "held polls", "online"],
    nodes.map((node) =>
      el(
        "tr",
        { "data-node-id": node.nodeId, "data-alive": String(node.alive) },
        el("td", {}, node.self ? `${node.nodeId} (this node)` : node.nodeId),
        el("td", {}, el("span", { class: `state ${node.alive ? "online" : "offline"}` }, node.alive ? "alive" : "silent")),
        el("td", {}, node.url),
        el("td", {}, node.version),
        el("td", {}, clock(node.startedAt)),
        el("td", {}, ago(node.lastSeen)),
        num(node.heldPolls),
        num(node.terminalsOnline),
      ),
    ),
    "nodes",
  );
}

function databaseHeader(detail: DatabaseDetail): Node[] {
  const { summary } = detail;
  return [
    el(
      "h2",
      {},
      `Database ${detail.dbname}`,
      el(
        "span",
        { class: "muted", id: "database-summary" },
        ` · ${summary.multiSessions} multi-sessions · ${summary.terminals} terminals, ${summary.online} online · problems: ${problemsText(summary.problems)}`,
      ),
    ),
  ];
}

/** The page's multi-sessions, each with its terminals; then the terminals registered in none. */
function databaseView(detail: DatabaseDetail): Node[] {
  const nodes: Node[] = [];
  if (detail.total === 0) nodes.push(el("p", { class: "muted" }, detail.q ? "No multi-session matches." : "No multi-session yet."));
  for (const session of detail.items) nodes.push(...sessionSection(detail.dbname, session));
  if (detail.unregistered.length > 0) nodes.push(el("h2", {}, "Polling, not registered by sync_all"), terminalTable(detail.unregistered));
  return nodes;
}

function sessionSection(dbname: string, session: SessionSummary): Node[] {
  const href = `#/db/${encodeURIComponent(dbname)}/ms/${session.multiSessionId}`;
  const activity = session.lastActivityAt ? ` · last poll ${ago(session.lastActivityAt)}` : "";
  return [
    el(
      "h2",
      { "data-multi-session-id": String(session.multiSessionId), "data-problems": String(session.problems.count) },
      link(href, `Multi-session ${session.multiSessionId}`),
      el("span", { class: "muted" }, ` · run ${session.runId} · last order number ${session.orderId}${activity}`),
      session.problems.count > 0 ? el("span", { class: "error" }, ` · ${problemsText(session.problems)}`) : "",
    ),
    terminalTable(session.terminals),
  ];
}

function sessionView(detail: SessionDetail, events: TimelineEvent[], openRefused: ReadonlyMap<string, number> = new Map()): Node[] {
  const orders = table(
    ["order uid", "revision", "lines", "number", "refused edits", "last change", "by terminal"],
    detail.orders.map((order) =>
      el(
        "tr",
        { "data-uid": order.uid, "data-revision": String(order.revision) },
        el("td", {}, order.uid),
        num(order.revision),
        num(order.lines),
        num(order.sequenceNumber ?? "–"),
        openRefused.get(order.uid) ? el("td", { class: "num" }, link("#refused-edits", `${openRefused.get(order.uid)} open`)) : num("–"),
        el("td", {}, order.lastChangeAt ? ago(order.lastChangeAt) : "–"),
        el("td", {}, order.lastChangeBy ?? "–"),
      ),
    ),
    "orders",
  );
  const list = el("ul", { class: "timeline", id: "timeline" }, ...[...events].reverse().map(timelineItem));
  if (events.length === 0) list.append(el("li", { class: "muted" }, "Nothing yet: updates, removals, conflicts and sync_alls appear here as they happen."));
  return [
    el(
      "h2",
      {},
      `Multi-session ${detail.multiSessionId}`,
      el("span", { class: "muted" }, ` · ${detail.dbname} · run ${detail.runId} · last order number ${detail.orderId}`),
    ),
    terminalTable(detail.terminals),
    el(
      "div",
      { class: "two" },
      el("div", {}, el("h2", {}, `Open orders (${detail.orders.length})`), orders),
      el("div", {}, el("h2", {}, "Live timeline"), list),
    ),
  ];
}

/**
 * Refused edits (what was typed, against which revision, what the server had) and the open
 * orders of ended runs, each with the operator's buttons; clicks are handled on #main.
 */
function recoveryView(base: string, edits: RefusedEditView[], ended: EndedRunOrderView[]): Node[] {
  const open = edits.filter((edit) => edit.status === "open").length;
  const refused = table(
    ["refused", "pos", "user", "order", "typed against", "server had", "what was typed", "why", ""],
    edits.map((edit) =>
      el(
        "tr",
        { "data-edit-id": String(edit.id), "data-uid": edit.uid, "data-status": edit.status },
        el("td", {}, clock(edit.at)),
        el("td", {}, edit.posId === null ? "–" : String(edit.posId)),
        num(edit.userId),
        el("td", {}, edit.uid),
        el("td", {}, edit.typedRevision === null ? "–" : `revision ${edit.typedRevision}`),
        el("td", {}, edit.server.revision === null ? "no such order" : `revision ${edit.server.revision}, ${edit.server.state}`),
        el("td", { class: "typed" }, edit.action === "remove_order" ? "remove the order" : linesText(edit.data)),
        el("td", {}, edit.reason === "uid_collision" ? "uid taken by another order" : "revision_error"),
        el(
          "td",
          {},
          edit.status === "open"
            ? el(
                "span",
                {},
                el("button", { type: "button", "data-action": "reapply", "data-path": `${base}/refused-edits/${edit.id}/reapply` }, "Re-apply"),
                " ",
                el("button", { type: "button", "data-action": "dismiss", "data-path": `${base}/refused-edits/${edit.id}/dismiss` }, "Dismiss"),
              )
            : edit.status === "reapplied"
              ? `re-applied${edit.reappliedRevision === null ? "" : ` as revision ${edit.reappliedRevision}`}`
              : "dismissed",
        ),
      ),
    ),
    "refused-edits",
  );
  const endedTable = table(
    ["order uid", "run", "revision", "what it holds", "last change", ""],
    ended.map((order) =>
      el(
        "tr",
        { "data-uid": order.uid },
        el("td", {}, order.uid),
        num(order.runId),
        num(order.revision),
        el("td", { class: "typed" }, linesText(order.data)),
        el("td", {}, order.lastChangeAt ? `${ago(order.lastChangeAt)}${order.lastChangeBy ? ` by pos ${order.lastChangeBy}` : ""}` : "–"),
        el(
          "td",
          {},
          el(
            "button",
            { type: "button", "data-action": "restore", "data-path": `${base}/ended-run-orders/${encodeURIComponent(order.uid)}/restore` },
            "Restore",
          ),
        ),
      ),
    ),
    "ended-orders",
  );
  const result = actionResult ? [el("p", { id: "action-result", class: actionResult.ok ? "muted" : "error" }, actionResult.text)] : [];
  return [
    ...result,
    el("h2", {}, `Refused edits (${open} open)`, el("span", { class: "muted" }, " · kept with what was typed; re-apply makes it the order's next revision")),
    refused,
    el("h2", {}, `Open orders of ended runs (${ended.length})`, el("span", { class: "muted" }, " · restore brings one into the current run")),
    endedTable,
  ];
}

/** An order's lines as "product 5 × 2, product 7 × 1". */
function linesText(data: Record<string, unknown>): string {
  const lines = Array.isArray(data.lines) ? data.lines : [];
  const text = lines.map((line) => {
    const values = (Array.isArray(line) ? line[2] : undefined) as Record<string, unknown> | undefined;
    return values ? `product ${String(values.product_id ?? "?")} × ${String(values.qty ?? "?")}` : "?";
  });
  return text.length > 0 ? text.join(", ") : "no lines";
}

main.addEventListener("click", (event) => {
  const button = (event.target as HTMLElement).closest("button[data-action]");
  const path = button?.getAttribute("data-path");
  if (!button || !path) return;
  const action = button.getAttribute("data-action");
  (button as HTMLButtonElement).disabled = true;
  api<{ revision?: number | null; uid?: string }>(path, "POST").then(
    (reply) => {
      actionResult = {
        ok: true,
        text:
          action === "dismiss"
            ? "Dismissed."
            : `${action === "restore" ? "Restored" : "Re-applied"}: order ${reply.uid ?? ""}${reply.revision ? ` is at revision ${reply.revision}` : " removed"}.`,
      };
      refresh();
    },
    (error: unknown) => {
      actionResult = { ok: false, text: String((error as Error).message) };
      refresh();
    },
  );
});

function terminalTable(terminals: Terminal[]): HTMLElement {
  return table(
    ["pos", "user", "state", "last poll", "last PING", "delivered / acknowledged", "unacknowledged", "message counter", "client address"],
    terminals.map((terminal) =>
      el(
        "tr",
        { "data-pos-id": terminal.posId, "data-state": terminal.state, "data-behind": String(terminal.behind) },
        el("td", {}, terminal.posId),
        num(terminal.userId ?? "–"),
        el(
          "td",
          {},
          el("span", { class: `state ${terminal.state}`, title: stateHelp[terminal.state] }, terminal.state),
          ...(terminal.behind ? [" ", el("span", { class: "state behind", title: "its oldest unacknowledged notification is too old" }, "behind")] : []),
        ),
        el("td", {}, terminal.heldPolls > 0 ? "polling now" : terminal.lastPollAt ? ago(terminal.lastPollAt) : "never"),
        el("td", {}, terminal.lastPingAt ? `${ago(terminal.lastPingAt)}${terminal.state === "waiting" ? ", no PONG yet" : ""}` : "–"),
        num(`${terminal.deliveredId ?? "–"} / ${terminal.acknowledgedId ?? "–"}`),
        el("td", { class: "num" }, terminal.unacknowledgedSince === null ? "0" : `${terminal.unacknowledged}, oldest ${ago(terminal.unacknowledgedSince)}`),
        num(terminal.messageId ?? "–"),
        el("td", {}, terminal.clientAddress ?? "–"),
      ),
    ),
    "terminals",
  );
}

const stateHelp: Record<State, string> = {
  online: "holding a poll now",
  waiting: "its last PING's PONG has not been polled yet",
  idle: "seen within a poll timeout, not polling now",
  offline: "not seen for longer than a poll timeout",
};

function timelineItem(event: TimelineEvent): HTMLElement {
  const what =
    event.outcome === "updated"
      ? `${event.uid} → revision ${event.revision}`
      : event.outcome === "conflict"
        ? `revision_error on ${event.uid} (sent revision ${event.revision}), kept in refused edits`
        : event.outcome === "retry"
          ? `retry of ${event.uid} recognised (nonce)`
          : event.outcome === "removed"
            ? `${event.uid} removed`
            : event.outcome === "sync_all"
              ? "sync_all"
              : event.action;
  const by = event.posId !== null ? `pos ${event.posId}` : `user ${event.userId}`;
  return el("li", { class: event.outcome, "data-seq": String(event.seq) }, `${clock(event.at)} · ${by} · ${what}`);
}

/** Notifications/s and commit p99 on their own scales, drawn as two polylines. */
function chart(points: HistoryPoint[]): HTMLElement {
  const box = el("div", { class: "chart", id: "chart" });
  if (points.length < 2) {
    box.append(el("p", { class: "muted" }, "Collecting: the chart starts after two points."));
    return box;
  }
  const width = 600;
  const height = 120;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  const series = (values: number[], color: string) => {
    const max = Math.max(...values, 1e-9);
    const step = width / (values.length - 1);
    const coords = values.map((value, i) => `${(i * step).toFixed(1)},${(height - 4 - (value / max) * (height - 12)).toFixed(1)}`);
    svg.append(svgEl("polyline", { points: coords.join(" "), fill: "none", stroke: color, "stroke-width": "2", "vector-effect": "non-scaling-stroke" }));
    return max;
  };
  for (const y of [0.25, 0.5, 0.75])
    svg.append(svgEl("line", { x1: "0", x2: String(width), y1: String(height * y), y2: String(height * y), stroke: "#eef0f4" }));
  const rateMax = series(
    points.map((p) => p.notificationsPerSecond),
    "#2f6fde",
  );
  const p99Max = series(
    points.map((p) => p.commitP99Ms ?? 0),
    "#d98b00",
  );
  box.append(
    svg,
    el(
      "div",
      { class: "legend" },
      el("span", {}, el("b", { style: "background:#2f6fde" }), `notifications/s (max ${round(rateMax)})`),
      el("span", {}, el("b", { style: "background:#d98b00" }), `commit p99 ms (max ${round(p99Max)})`),
    ),
  );
  return box;
}

function table(headers: string[], rows: HTMLElement[], id: string): HTMLElement {
  const numeric = new Set([
    "held polls",
    "multi-sessions",
    "terminals",
    "online",
    "behind",
    "delivered / acknowledged",
    "unacknowledged",
    "offline",
    "refused, last hour",
    "user",
    "message counter",
    "revision",
    "lines",
    "number",
  ]);
  return el(
    "table",
    { id },
    el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", numeric.has(header) ? { class: "num" } : {}, header)))),
    el("tbody", {}, ...(rows.length > 0 ? rows : [el("tr", {}, el("td", { colspan: String(headers.length), class: "muted" }, "none"))])),
  );
}

function showViewer(viewer: Viewer): void {
  who.textContent = viewer.role === "admin" ? "admin" : `database ${viewer.dbname}`;
  logoutButton.hidden = !sessionStorage.getItem(KEY_STORAGE);
}

function setCrumbs(items: [string, string | undefined][]): void {
  crumbs.replaceChildren(...items.flatMap(([label, href]) => [document.createTextNode(" / "), href ? link(href, label) : el("span", {}, label)]));
}

function showLogin(message: string): void {
  clearTimeout(timer);
  main.hidden = true;
  faultsPanel.hidden = true;
  loginForm.hidden = false;
  loginError.textContent = sessionStorage.getItem(KEY_STORAGE) ? message : "";
  keyInput.focus();
}

loginForm.addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, keyInput.value.trim());
  features = undefined;
  keyInput.value = "";
  refresh();
});

logoutButton.addEventListener("click", () => {
  sessionStorage.removeItem(KEY_STORAGE);
  features = undefined;
  location.hash = "#/";
  refresh();
});

// The faults panel lives outside #main, so its form survives the redraws; only its table is redrawn.

interface FaultRule {
  id: string;
  match: { dbname: string; pos_id: number | null; route: string | null; action: string | null };
  effect: { type: string; ms?: number | null; jitter_ms?: number };
  count: number | null;
  fired: number;
  expires_at: string | null;
}

const faultsPanel = document.getElementById("faults-panel") as HTMLElement;
const faultTable = document.getElementById("fault-rules") as HTMLTableElement;
const faultForm = document.getElementById("fault-form") as HTMLFormElement;
const faultError = document.getElementById("fault-error") as HTMLElement;

/** The fault routes answer 404 without test features and 401/403 to anyone but the admin: the panel then stays hidden. */
async function faultsApi(method: string, path = "", body?: unknown): Promise<{ status: number; body: { error?: string; rules?: FaultRule[] } }> {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const headers: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(`/pos_sync/faults${path}`, {
    method,
    headers,
    cache: "no-store",
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

/** What this server lets the page show (GET /console/api/features), asked once: no request to a route that is switched off. */
let features: { faults?: boolean } | undefined;

async function drawFaults(): Promise<void> {
  // Asked again until it answers (before a login it answers 401).
  features ??= await api<{ faults?: boolean }>("/features").catch(() => undefined);
  if (!features?.faults) {
    faultsPanel.hidden = true;
    return;
  }
  const reply = await faultsApi("GET").catch(() => undefined);
  if (reply?.status !== 200 || !reply.body.rules) {
    faultsPanel.hidden = true;
    return;
  }
  faultsPanel.hidden = false;
  const rules = reply.body.rules;
  faultTable.replaceChildren(
    el(
      "thead",
      {},
      el("tr", {}, ...["id", "dbname", "pos", "route", "action", "effect", "fired", "count", "expires", ""].map((header) => el("th", {}, header))),
    ),
    el(
      "tbody",
      {},
      ...(rules.length > 0
        ? rules.map((rule) =>
            el(
              "tr",
              { "data-rule-id": rule.id, "data-fired": String(rule.fired) },
              el("td", {}, rule.id),
              el("td", {}, rule.match.dbname),
              el("td", {}, rule.match.pos_id === null ? "any" : String(rule.match.pos_id)),
              el("td", {}, rule.match.route ?? "any"),
              el("td", {}, rule.match.action ?? "any"),
              el("td", {}, effectText(rule.effect)),
              num(rule.fired),
              num(rule.count ?? "–"),
              el("td", {}, rule.expires_at ? clock(Date.parse(rule.expires_at)) : "–"),
              el("td", {}, el("button", { type: "button", "data-delete": rule.id }, "Delete")),
            ),
          )
        : [el("tr", {}, el("td", { colspan: "10", class: "muted" }, "No fault rule."))]),
    ),
  );
}

function effectText(effect: FaultRule["effect"]): string {
  const ms = effect.ms === undefined || effect.ms === null ? "" : ` ${effect.ms} ms`;
  return `${effect.type}${ms}${effect.jitter_ms ? ` ± ${effect.jitter_ms} ms` : ""}`;
}

/** Empty fields are left out (the server's defaults apply); anything not a number goes as typed, for the server to name. */
function ruleFromForm(form: FormData): unknown {
  const text = (name: string) => String(form.get(name) ?? "").trim();
  const number = (name: string) => (/^-?\d+(\.\d+)?$/.test(text(name)) ? Number(text(name)) : text(name));
  const given = (names: string[], read: (name: string) => unknown) =>
    Object.fromEntries(names.filter((name) => text(name) !== "").map((name) => [name, read(name)]));
  return {
    match: { dbname: text("dbname"), ...given(["pos_id"], number), ...given(["route", "action"], text) },
    effect: { type: text("type"), ...given(["ms", "jitter_ms"], number) },
    ...given(["count", "expires_s"], number),
  };
}

faultForm.addEventListener("submit", (event) => {
  event.preventDefault();
  void faultsApi("POST", "", ruleFromForm(new FormData(faultForm))).then((reply) => {
    faultError.textContent = reply.status === 201 ? "" : (reply.body.error ?? `HTTP ${reply.status}`);
    return drawFaults();
  });
});

faultTable.addEventListener("click", (event) => {
  const id = (event.target as HTMLElement).closest("button")?.getAttribute("data-delete");
  if (!id) return;
  void faultsApi("DELETE", `/${encodeURIComponent(id)}`).then(drawFaults);
});

(document.getElementById("fault-clear") as HTMLButtonElement).addEventListener("click", () => {
  void faultsApi("DELETE").then(drawFaults);
});

window.addEventListener("hashchange", refresh);
refresh();

function el(tag: string, attributes: Record<string, string>, ...children: (Node | string)[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

function svgEl(tag: string, attributes: Record<string, string>): SVGElement {
  const element = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  return element;
}

function link(href: string, text: string): HTMLElement {
  return el("a", { href }, text);
}

function num(value: number | string): HTMLElement {
  return el("td", { class: "num" }, String(value));
}

function ago(epochMs: number): string {
  const seconds = Math.max(0, Math.round((Date.now() - epochMs) / 1000));
  return seconds < 1 ? "just now" : `${duration(seconds)} ago`;
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
}

function clock(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString([], { hour12: false });
}

function round(value: number): string {
  return value >= 10 ? value.toFixed(0) : value.toFixed(2);
}
