import { afterEach, expect, test } from "vitest";
import { channel, rpc } from "../helpers/rpc.ts";
import { startServer, tempDbPath, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { repoRoot, spawnIn } from "./spawn.ts";

const KEY = "cli-key-of-shop-three-000";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** `pos-sync keys ...` (the built command line) with `stdin` as its standard input. */
async function keysCli(args: string[], env: Record<string, string>, stdin = "") {
  const run = spawnIn(process.execPath, ["dist/main.js", "keys", ...args], env, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  run.child.stdin!.end(stdin);
  return { code: await run.exited, output: run.output() };
}

const opens = async (url: string, key: string) =>
  (await rpc(`${url}/k/${key}/longpolling/poll`, { channels: [channel("shop3", "pos.longpolling", 1)], last: 0, options: { peek: true } })).body.error ===
  undefined;

test("pos-sync keys set, list and delete act on the configured database; a running server honours them within 2 s", async () => {
  const db = tempDbPath();
  const env = { POS_SYNC_DB: db, POS_SYNC_KEYS: "shop1:configured-key-of-shop-one" };
  server = await startServer({ keys: { shop1: "configured-key-of-shop-one" } }, { dbPath: db });

  expect(await keysCli(["set", "shop3"], env, `${KEY}\n`)).toMatchObject({ code: 0, output: "added the key of shop3\n" });
  await waitFor(() => opens(server!.url, KEY), "the server to honour the key set from the command line", 2000);

  const listed = await keysCli(["list"], env);
  expect(listed.code).toBe(0);
  expect(listed.output).toMatch(/^shop1\tconfig\nshop3\tstore\t\d{4}-\d\d-\d\dT[\d:.]+Z\n$/);
  expect(listed.output).not.toContain(KEY);

  const generated = await keysCli(["set", "shop3", "--generate"], env);
  expect(generated.code).toBe(0);
  const newKey = generated.output.trim();
  expect(newKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
  await waitFor(async () => (await opens(server!.url, newKey)) && !(await opens(server!.url, KEY)), "the rotated key to replace the old one", 2000);

  expect(await keysCli(["delete", "shop3"], env)).toMatchObject({ code: 0, output: "deleted the key of shop3\n" });
  await waitFor(async () => !(await opens(server!.url, newKey)), "the server to refuse the deleted key", 2000);
});

test("pos-sync keys refuses bad input, naming it, and changes nothing", async () => {
  const env = { POS_SYNC_DB: tempDbPath(), POS_SYNC_KEYS: "shop1:configured-key-of-shop-one" };
  expect(await keysCli(["set", "bad name"], env, `${KEY}\n`)).toMatchObject({ code: 2, output: expect.stringMatching(/^pos-sync keys: dbname: /) });
  expect(await keysCli(["set", "shop3"], env, "short\n")).toMatchObject({ code: 2, output: expect.stringMatching(/^pos-sync keys: key \(standard input\): /) });
  expect(await keysCli(["set", "shop1"], env, `${KEY}\n`)).toMatchObject({ code: 1, output: expect.stringContaining("is configured") });
  expect(await keysCli(["delete", "shop3"], env)).toMatchObject({ code: 1, output: expect.stringContaining('no stored key for "shop3"') });
  expect(await keysCli(["rotate"], env)).toMatchObject({ code: 2, output: expect.stringContaining("expected set, delete or list") });
  expect(await keysCli(["list"], env)).toEqual({ code: 0, output: "shop1\tconfig\n" });
});
