import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { MultiSessionClient } from "../../src/client/index.ts";

/** Debian's Chromium (apt-get install chromium); playwright's own browser download is not used. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
}

/** A terminal as the POS runs it: registered by sync_all, polling, PINGing, with its key in the URL path. */
export async function startTerminal(baseUrl: string, dbname: string, posId: number, key: string): Promise<MultiSessionClient> {
  const client = new MultiSessionClient({
    baseUrl,
    key,
    keyIn: "path",
    dbname,
    multiSessionId: 1,
    posId,
    userId: posId,
    sessionId: 100 + posId,
    loginNumber: 1,
  });
  await client.start();
  return client;
}
