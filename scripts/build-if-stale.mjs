#!/usr/bin/env node
// Runs before `npm start`: rebuilds dist/ only when a file in src/ (or the build config) is newer
// than the last build, so a restart listens in about a second instead of after a full compile.
// An installed package has no src/ and never rebuilds.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stamp = join(root, "dist", ".build-stamp");
const inputs = [join(root, "src"), join(root, "tsconfig.json"), join(root, "tsconfig.build.json")];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

const force = process.argv.includes("--force");
if (!existsSync(join(root, "src"))) process.exit(0);
const builtAt = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
if (!force && builtAt > 0 && newestMtime(join(root, "src")) < builtAt && inputs.slice(1).every((file) => newestMtime(file) < builtAt)) {
  process.exit(0);
}
const startedAt = new Date();
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.build.json")], { stdio: "inherit" });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
// Stamped with the time the build started: a source saved during the build triggers the next one.
writeFileSync(stamp, `${startedAt.toISOString()}\n`);
const { utimesSync } = await import("node:fs");
utimesSync(stamp, startedAt, startedAt);
