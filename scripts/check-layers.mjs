#!/usr/bin/env node
// Checks that imports in src/ point one way (docs/architecture.md, "Layers") and that no file
// imports itself back through others. Reads `import ... from "./x.ts"` lines; run: node scripts/check-layers.mjs
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../src");
// Lower number: lower layer. A file may import its own layer's folder and any layer below.
const RANK = {
  protocol: 0, "errors.ts": 0, "validation.ts": 0, "log.ts": 0, "version.ts": 0, "config.ts": 0, "boolean-flags.ts": 0, "shared-read.ts": 0,
  client: 1, db: 1,
  bus: 2, http: 2,
  longpolling: 3, sync: 3, backend: 3, health: 3, console: 3, metrics: 3, faults: 3, keys: 3, "browser-client": 3,
  app: 4, "server.ts": 5, "index.ts": 5, cli: 5, "main.ts": 6,
};
// Features may use each other only through these (types of observers), never their routes.
const SIDEWAYS = new Set([
  "metrics/phase-timing.ts -> longpolling/feature.ts",
  "console/activity.ts -> metrics/metrics.ts",
  // The operator's repairs of refused edits are sync rules; the console only serves them.
  "console/recovery-routes.ts -> sync/recovery.ts",
]);

const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".ts")) files.push(path);
  }
})(root);

const edges = new Map();
const problems = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const targets = [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => resolve(dirname(file), m[1]));
  edges.set(file, targets);
  const from = relative(root, file);
  const fromTop = from.split("/")[0];
  for (const target of targets) {
    const to = relative(root, target);
    const toTop = to.split("/")[0];
    if (fromTop === toTop || from.startsWith("console/ui/")) continue;
    const [a, b] = [RANK[fromTop], RANK[toTop]];
    if (a === undefined || b === undefined) problems.push(`${from}: no layer for ${a === undefined ? fromTop : toTop}`);
    else if (b > a || (b === a && a === 3 && !SIDEWAYS.has(`${from} -> ${to}`))) problems.push(`${from} -> ${to}: runs ${b > a ? "up" : "sideways"} the layers`);
    if (fromTop === "client" && toTop !== "protocol") problems.push(`${from} -> ${to}: the client imports only src/protocol`);
  }
}

// File cycles, by depth-first search.
const state = new Map();
const stack = [];
function visit(file) {
  state.set(file, "open");
  stack.push(file);
  for (const next of edges.get(file) ?? []) {
    if (!edges.has(next)) continue;
    if (state.get(next) === "open") problems.push(`cycle: ${stack.slice(stack.indexOf(next)).concat(next).map((f) => relative(root, f)).join(" -> ")}`);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, "done");
}
for (const file of files) if (!state.has(file)) visit(file);

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${files.length} files: every import points down the layers, no cycles`);
