import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { once } from "node:events";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { spawnIn, tempDir } from "./spawn.ts";

/** Runs the server expecting a failed start: exit code and the one line it wrote on stderr. */
async function failedStart(env: Record<string, string>, options: { withoutFileCapabilities?: boolean } = {}) {
  const [command, args] = options.withoutFileCapabilities
    ? ["setpriv", [...DROP_FILE_CAPABILITIES, "--", process.execPath, "dist/main.js"]]
    : [process.execPath, ["dist/main.js"]];
  const run = spawnIn(command, args, { POS_SYNC_PORT: "0", ...env });
  const code = await run.exited;
  const lines = run.output().trim().split("\n");
  return { code, line: lines.at(-1) ?? "", lines };
}

const isRoot = process.getuid?.() === 0;

/**
 * Root, but without the capabilities that let root write where the permissions say no: the
 * server still reads the clone's dist/ and node_modules as their owner, even in a mode-0700
 * folder (running it as another user could not; a newcomer's clone in ~ or mktemp -d is one).
 */
const DROP_FILE_CAPABILITIES = ["--bounding-set=-dac_override,-dac_read_search"];
const canDropCapabilities = isRoot && spawnSync("setpriv", [...DROP_FILE_CAPABILITIES, "--", "true"]).status === 0;

describe("a start that cannot succeed says which setting to change, exits 1 and leaves no -wal/-shm", { timeout: 60_000 }, () => {
  test("POS_SYNC_DB is a directory", async () => {
    const dir = tempDir();
    const { code, line } = await failedStart({ POS_SYNC_DB: dir });
    expect(code).toBe(1);
    expect(line).toContain(`POS_SYNC_DB=${dir}`);
    expect(line).toContain("is a directory");
    expect(readdirSync(dir)).toEqual([]);
  });

  test("POS_SYNC_DB's folder cannot be created (a file stands in the way)", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "data"), "");
    const { code, line } = await failedStart({ POS_SYNC_DB: join(dir, "data", "pos-sync.sqlite") });
    expect(code).toBe(1);
    expect(line).toContain(`POS_SYNC_DB=${join(dir, "data", "pos-sync.sqlite")}`);
    expect(line).toContain("is a file, not a folder");
  });

  test("POS_SYNC_DB is not a database", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "pos-sync.sqlite"), "these are not the pages of an SQLite file ".repeat(200));
    const { code, line } = await failedStart({ POS_SYNC_DB: join(dir, "pos-sync.sqlite") });
    expect(code).toBe(1);
    expect(line).toMatch(/POS_SYNC_DB=.*pos-sync\.sqlite.*not a pos-sync SQLite database.*new file, or restore/);
    expect(readdirSync(dir)).toEqual(["pos-sync.sqlite"]);
  });

  test.skipIf(!canDropCapabilities)("POS_SYNC_DB's folder is not writable by the server's user", async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o555 });
    chownSync(locked, 65534, 65534);
    const { code, line } = await failedStart({ POS_SYNC_DB: join(locked, "pos-sync.sqlite") }, { withoutFileCapabilities: true });
    expect(code).toBe(1);
    expect(line).toContain(`POS_SYNC_DB=${join(locked, "pos-sync.sqlite")}`);
    expect(line).toContain(`the folder ${locked} is not writable by this user`);
  });

  const readOnly = (() => {
    if (!isRoot) return undefined;
    const dir = join(tempDir(), "ro");
    mkdirSync(dir);
    return spawnSync("mount", ["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir]).status === 0 ? dir : undefined;
  })();
  afterAll(() => void (readOnly && spawnSync("umount", [readOnly])));

  test.skipIf(!readOnly)("POS_SYNC_DB is on a read-only mount", async () => {
    const { code, line } = await failedStart({ POS_SYNC_DB: join(readOnly!, "pos-sync.sqlite") });
    expect(code).toBe(1);
    expect(line).toContain(`POS_SYNC_DB=${join(readOnly!, "pos-sync.sqlite")}`);
    expect(line).toContain("read-only file system");
  });

  test("POS_SYNC_PORT is taken: the database it opened is closed, no -wal/-shm left", async () => {
    const taken = createServer().listen(0, "127.0.0.1");
    await once(taken, "listening");
    const port = (taken.address() as { port: number }).port;
    const dir = tempDir();
    try {
      const { code, line } = await failedStart({ POS_SYNC_DB: join(dir, "pos-sync.sqlite"), POS_SYNC_PORT: String(port) });
      expect(code).toBe(1);
      expect(line).toContain(`POS_SYNC_PORT=${port}`);
      expect(line).toContain("already in use");
      expect(readdirSync(dir)).toEqual(["pos-sync.sqlite"]);
    } finally {
      taken.close();
    }
  });

  test("POS_SYNC_HOST does not resolve", async () => {
    const dir = tempDir();
    const { code, line } = await failedStart({ POS_SYNC_DB: join(dir, "pos-sync.sqlite"), POS_SYNC_HOST: "no-such-host.invalid" });
    expect(code).toBe(1);
    expect(line).toContain("POS_SYNC_HOST=no-such-host.invalid");
    expect(line).toContain("use an IP address");
    expect(readdirSync(dir)).toEqual(["pos-sync.sqlite"]);
  });

  test("POS_SYNC_CORS_ORIGINS entries that are not origins are refused, each named (exit 2, a bad setting)", async () => {
    const { code, line } = await failedStart({ POS_SYNC_CORS_ORIGINS: "https://pos.example.com,https://a.example/path,pos.example.com" });
    expect(code).toBe(2);
    expect(line).toContain("POS_SYNC_CORS_ORIGINS");
    expect(line).toContain('"https://a.example/path" is not an origin');
    expect(line).toContain('"pos.example.com" is not an origin');
    expect(line).not.toContain('"https://pos.example.com" is not');
  });
});
