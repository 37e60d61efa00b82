import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";

/**
 * The console page: one HTML document with its styles, and one script compiled from
 * src/console/ui/app.ts by `npm run build` (tsc, like the server). No framework and no CDN:
 * the page is a few tables and a chart, refreshed from JSON twice a second (the lists a page
 * of rows at a time), and must work on a shop LAN without internet.
 */
export function consolePage(): string {
  return PAGE;
}

let script: Promise<string> | undefined;

/** The compiled script beside this module (dist/), or, when running from src/ (tests, tsx), app.ts transpiled once. */
export function consoleScript(): Promise<string> {
  return (script ??= loadScript());
}

async function loadScript(): Promise<string> {
  const compiled = new URL("./ui/app.js", import.meta.url);
  if (existsSync(compiled)) return readFile(compiled, "utf8");
  const source = await readFile(new URL("./ui/app.ts", import.meta.url), "utf8");
  const ts = (await import("typescript")).default;
  return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
}

export const PAGE_SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pos-sync console</title>
<link rel="icon" href="data:,">
<style>
  :root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --accent: #2f6fde;
          --online: #1f9d55; --waiting: #d98b00; --idle: #7a8599; --offline: #c8313a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; background: #1d2330; color: #fff; }
  header h1 { font-size: 16px; margin: 0; }
  header a { color: #fff; text-decoration: none; }
  header .crumbs { flex: 1; color: #c5cbd8; }
  header .crumbs a { color: #c5cbd8; }
  header button { background: transparent; border: 1px solid #56607a; color: #fff; border-radius: 4px; padding: 3px 10px; cursor: pointer; }
  main { padding: 16px 20px; max-width: 1200px; }
  h2 { font-size: 15px; margin: 20px 0 8px; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: 10px; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
  .card .label { color: var(--muted); font-size: 12px; }
  .card .value { font-size: 20px; font-weight: 600; }
  table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 6px; }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  tr:last-child td { border-bottom: 0; }
  a { color: var(--accent); }
  .state { display: inline-block; min-width: 64px; text-align: center; border-radius: 10px; padding: 1px 8px; font-size: 12px; font-weight: 600; color: #fff; }
  .state.online { background: var(--online); } .state.waiting { background: var(--waiting); }
  .state.idle { background: var(--idle); } .state.offline { background: var(--offline); }
  .state.behind { background: var(--offline); }
  .chart { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
  .chart svg { width: 100%; height: 140px; display: block; }
  .legend { font-size: 12px; color: var(--muted); display: flex; gap: 16px; }
  .legend b { display: inline-block; width: 10px; height: 3px; vertical-align: middle; margin-right: 4px; }
  .timeline { list-style: none; margin: 0; padding: 0; background: var(--card); border: 1px solid var(--line); border-radius: 6px; max-height: 320px; overflow: auto; }
  .timeline li { padding: 4px 10px; border-bottom: 1px solid var(--line); font-variant-numeric: tabular-nums; }
  .timeline .conflict { color: var(--offline); font-weight: 600; } .timeline .sync_all { color: var(--accent); }
  .timeline .removed { color: var(--muted); } .timeline .retry { color: var(--waiting); }
  tr.problem td { background: #fdf1f1; }
  form.list-controls { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 0 0 8px; }
  form.list-controls input[type=search] { font: inherit; padding: 3px 6px; width: 240px; }
  form.list-controls select, form.list-controls button { font: inherit; padding: 2px 6px; }
  form.list-controls .range { min-width: 120px; text-align: center; font-variant-numeric: tabular-nums; }
  .muted { color: var(--muted); }
  .error { color: var(--offline); }
  form.login { max-width: 360px; margin: 60px auto; background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 20px; }
  form.login input { width: 100%; padding: 6px 8px; margin: 6px 0 12px; font: inherit; }
  form.login button { padding: 6px 14px; font: inherit; }
  .two { display: grid; grid-template-columns: 3fr 2fr; gap: 16px; }
  #faults-panel { padding: 0 20px 20px; max-width: 1200px; }
  form.fault { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin: 8px 0; }
  form.fault label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
  form.fault input, form.fault select { font: inherit; padding: 3px 6px; width: 130px; }
  form.fault input.short { width: 70px; }
  @media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
</style>
</head>
<body>
<header><h1><a href="#/">pos-sync console</a></h1><nav class="crumbs" id="crumbs"></nav><span id="who"></span><button id="logout" hidden>Log out</button></header>
<form class="login" id="login" method="post" hidden>
  <h2>Open the console</h2>
  <p class="muted">The admin key (POS_SYNC_ADMIN_KEY) opens every database; a database's key opens that database.</p>
  <label for="key">Key</label>
  <input id="key" name="key" type="password" autocomplete="off" required>
  <button type="submit">Open</button>
  <p class="error" id="login-error"></p>
</form>
<main id="main"></main>
<section id="faults-panel" hidden>
  <h2>Fault rules <span class="muted">(test features: every matching terminal request gets the effect)</span></h2>
  <table id="fault-rules"><tbody></tbody></table>
  <form class="fault" id="fault-form">
    <label>dbname<input name="dbname" required></label>
    <label>pos_id<input name="pos_id" class="short" inputmode="numeric"></label>
    <label>route<select name="route"><option value="">any</option><option>/longpolling/poll</option><option>/pos_longpolling/update</option><option>/pos_multi_session_sync/update</option></select></label>
    <label>action<input name="action" class="short"></label>
    <label>effect<select name="type"><option>delay_reply</option><option>delay_request</option><option>delay_delivery</option><option>drop_reply</option><option>hang</option><option>offline</option></select></label>
    <label>ms<input name="ms" class="short" inputmode="numeric"></label>
    <label>jitter_ms<input name="jitter_ms" class="short" inputmode="numeric"></label>
    <label>count<input name="count" class="short" inputmode="numeric"></label>
    <label>expires_s<input name="expires_s" class="short" inputmode="numeric"></label>
    <button type="submit">Add rule</button>
    <button type="button" id="fault-clear">Delete all</button>
  </form>
  <p class="error" id="fault-error"></p>
</section>
<script type="module" src="/console/app.js"></script>
</body>
</html>
`;
