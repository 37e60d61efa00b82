#!/usr/bin/env node
// The build behind `prepare` (npm install, npm pack), `prestart` and `pretest`: compiles src/ into
// dist/ only when a source or the build config is newer than the last build, so a restart listens
// in about a second instead of after a full compile. `--force` always builds (`npm run build`).
// An installed package has no src/ and never builds.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, "dist", ".build-stamp");
const inputs = ["src", "tsconfig.json", "tsconfig.build.json"].map((name) => join(root, name));

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestChange(join(path, name))), stat.mtimeMs);
}

if (!existsSync(join(root, "src"))) process.exit(0);
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const stale = builtAt === 0 || inputs.some((input) => newestChange(input) >= builtAt);
if (!stale && !process.argv.includes("--force")) process.exit(0);

const startedAt = new Date();
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// The browser build of the client library, served at /client.js: one ES module, no imports.
// esbuild comes with tsx (a dev dependency), which every checkout that builds has installed.
const { build } = await import("esbuild");
await build({
  entryPoints: [join(root, "src", "client", "index.ts")],
  outfile: join(root, "dist", "client.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
});
// Dated when the build started: a source saved while it ran is newer, so the next start rebuilds.
writeFileSync(stamp, `${startedAt.toISOString()}\n`);
utimesSync(stamp, startedAt, startedAt);
