import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadConfig, settingSources, settingsSchema } from "../../src/config.ts";
import { freePort, listening, repoRoot, spawnIn, tempDir } from "./spawn.ts";

const packageJson = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string; bin: Record<string, string> };
const node = (args: string[], env: Record<string, string> = {}) => spawnIn(process.execPath, [packageJson.bin["pos-sync"]!, ...args], env);

describe("the pos-sync command line", { timeout: 60_000 }, () => {
  test("package.json's bin names pos-sync, a script with a node shebang", () => {
    expect(readFileSync(join(repoRoot, packageJson.bin["pos-sync"]!), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  test("--help lists every setting with its flag, variable and default, and exits 0", async () => {
    const help = node(["--help"]);
    expect(await help.exited).toBe(0);
    const defaults = settingsSchema.parse({});
    for (const [name, [variable, flag]] of Object.entries(settingSources)) {
      const line = help
        .output()
        .split("\n")
        .find((candidate) => candidate.includes(` ${variable} `));
      expect(line, variable).toContain(`--${flag} `);
      const fallback = defaults[name as keyof typeof defaults];
      if (typeof fallback === "number" || typeof fallback === "string") expect(line).toContain(`[default: ${fallback}]`);
    }
    expect(help.output()).toContain("[default: none (open mode)]");
    expect(help.output()).toContain("[default: off]");
  });

  test("--version prints package.json's version", async () => {
    const run = node(["--version"]);
    expect(await run.exited).toBe(0);
    expect(run.output().trim()).toBe(packageJson.version);
  });

  test("the start line carries version, pid and hostname; /healthz the version; --test-features alone means on", async () => {
    const server = node(["--test-features", "--db", join(tempDir(), "x.sqlite"), "--port", String(await freePort())]);
    const line = await listening(server);
    expect(line).toMatchObject({ version: packageJson.version, pid: server.child.pid, testFeatures: true });
    expect(line.hostname).toEqual(expect.any(String));
    expect(await (await fetch(`${line.url}/healthz`)).json()).toMatchObject({ status: "ok", version: packageJson.version });
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
  });

  test("a boolean flag alone means on; with a value it keeps it; other flags still take theirs", () => {
    expect(loadConfig({}, ["--test-features"]).testFeatures).toBe(true);
    expect(loadConfig({}, ["--test-features", "--port", "9000"])).toMatchObject({ testFeatures: true, port: 9000 });
    expect(loadConfig({}, ["--test-features", "0"]).testFeatures).toBe(false);
    expect(loadConfig({}, ["--test-features=off"]).testFeatures).toBe(false);
    expect(loadConfig({ POS_SYNC_TEST_FEATURES: "1" }, []).testFeatures).toBe(true);
  });

  test("a key file readable by group or others is warned about at start, naming the fix", async () => {
    const dir = tempDir();
    const keyFile = join(dir, "keys.json");
    writeFileSync(keyFile, JSON.stringify({ databases: { shop1: "Jd8s-2kq9_xLw7" } }));
    chmodSync(keyFile, 0o644);
    const server = node([], { POS_SYNC_KEY_FILE: keyFile, POS_SYNC_DB: join(dir, "x.sqlite"), POS_SYNC_PORT: String(await freePort()) });
    await listening(server);
    const warning = server
      .output()
      .split("\n")
      .find((line) => line.includes('"level":40'));
    expect(warning).toContain(`chmod 600 ${keyFile}`);
    expect(warning).toContain("readable by its group and others");
    expect(server.output()).not.toContain("Jd8s-2kq9_xLw7");
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);

    chmodSync(keyFile, 0o600);
    const quiet = node([], { POS_SYNC_KEY_FILE: keyFile, POS_SYNC_DB: join(dir, "x.sqlite"), POS_SYNC_PORT: String(await freePort()) });
    await listening(quiet);
    expect(quiet.output()).not.toContain('"level":40');
    quiet.child.kill("SIGTERM");
    expect(await quiet.exited).toBe(0);
  });
});
