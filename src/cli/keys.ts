import { randomBytes } from "node:crypto";
import { text } from "node:stream/consumers";
import { ConfigError, loadConfig } from "../config.ts";
import { openStore } from "../db/open-store.ts";
import { dbnameSchema, firstIssue, shopKeySchema } from "../keys/key-input.ts";
import { ConfiguredKeyError, KeyRing } from "../keys/key-ring.ts";
import { systemClock } from "../bus/bus.ts";

export const KEYS_USAGE = `usage: pos-sync keys set <dbname> [--generate] [--setting value ...]
       pos-sync keys delete <dbname> [--setting value ...]
       pos-sync keys list [--setting value ...]

Adds, rotates, removes and lists the shop keys stored in the configured database (POS_SYNC_DB,
or --db), as PUT/DELETE/GET /pos_sync/keys do; running nodes honour a change within 2 s.
set reads the key from standard input (so it stays out of the process list and shell history),
or with --generate makes a random one and prints it. list prints database names, never keys.`;

/** `pos-sync keys set|delete|list`; returns the exit code. */
export async function keys(argv: string[], env: NodeJS.ProcessEnv = process.env, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const fail = (message: string, code = 2) => {
    process.stderr.write(`pos-sync keys: ${message}\n`);
    return code;
  };
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${KEYS_USAGE}\n`);
    return 0;
  }
  const generate = argv.includes("--generate");
  const [action, ...rest] = argv.filter((arg) => arg !== "--generate");
  const wantsName = action === "set" || action === "delete";
  if (action !== "set" && action !== "delete" && action !== "list") return fail(`expected set, delete or list\n${KEYS_USAGE}`);
  const name = wantsName ? rest.shift() : undefined;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env, rest);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message);
  }
  let dbname: string | undefined;
  if (wantsName) {
    const parsed = dbnameSchema.safeParse(name);
    if (!parsed.success) return fail(`${firstIssue(parsed.error, "dbname").message}\n${KEYS_USAGE}`);
    dbname = parsed.data;
  }
  let key: string | undefined;
  if (action === "set") {
    key = generate ? randomBytes(24).toString("base64url") : (await text(stdin)).trim();
    const parsed = shopKeySchema.safeParse(key);
    if (!parsed.success) return fail(`key (standard input): ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }

  const log = { warn: () => undefined, info: () => undefined };
  const store = await openStore(config).catch((error: unknown) => error as Error);
  if (store instanceof Error) return fail(`cannot open the database: ${store.message}`, 1);
  try {
    const ring = new KeyRing(config.keys, store, { clock: systemClock, log });
    await ring.refresh();
    if (action === "list") {
      for (const entry of ring.list())
        process.stdout.write(`${entry.dbname}\t${entry.source}${entry.updatedAt ? `\t${new Date(entry.updatedAt).toISOString()}` : ""}\n`);
      return 0;
    }
    if (action === "set") {
      const existed = ring.list().some((entry) => entry.dbname === dbname);
      await ring.set(dbname!, key!);
      process.stdout.write(generate ? `${key}\n` : `${existed ? "rotated" : "added"} the key of ${dbname}\n`);
      return 0;
    }
    if (await ring.delete(dbname!)) {
      process.stdout.write(`deleted the key of ${dbname}\n`);
      return 0;
    }
    return fail(`dbname: no stored key for "${dbname}"`, 1);
  } catch (error) {
    if (error instanceof ConfiguredKeyError) return fail(error.message, 1);
    return fail((error as Error).message, 1);
  } finally {
    await store.close();
  }
}

/** `pos-sync keys ...`, for the command line (src/cli/index.ts). */
export const keysCommand = {
  name: "keys",
  usage: "pos-sync keys set|delete|list [dbname]",
  summary: "add, rotate, remove or list the shop keys stored in the database",
  run: (args: string[]) => keys(args),
};
