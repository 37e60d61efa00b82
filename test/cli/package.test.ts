import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { repoRoot } from "./spawn.ts";

describe("the package as npm installs and starts it", { timeout: 120_000 }, () => {
  test("npm pack holds dist/ (main, exports, bin, types), the migrations and the licence, and no sources or tests", () => {
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8" });
    expect(pack.status, pack.stderr).toBe(0);
    const files = (JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path);
    for (const path of [
      "dist/main.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/client/index.js",
      "dist/client/index.d.ts",
      "drizzle/sqlite/meta/_journal.json",
      "drizzle/postgres/meta/_journal.json",
      "LICENSE",
      "COPYING",
      "README.md",
      "package.json",
    ]) {
      expect(files, path).toContain(path);
    }
    expect(files.filter((path) => path.startsWith("src/") || path.startsWith("test/"))).toEqual([]);
  });

  test("npm start's prestart does not rebuild when no source changed since the last build", () => {
    const main = join(repoRoot, "dist", "main.js");
    const before = statSync(main).mtimeMs;
    const startedAt = Date.now();
    const check = spawnSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: repoRoot, encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(check.stdout + check.stderr).toBe("");
    expect(statSync(main).mtimeMs).toBe(before);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });
});
