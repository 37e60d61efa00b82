import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";

/**
 * Where the browser build of the client library (scripts/build-if-stale.mjs) lies: beside the
 * compiled server in dist/, or, when the server runs from src/ (tests, tsx), in dist/ beside src/.
 */
const CANDIDATES = ["../../client.js", "../../../dist/client.js"].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));

/** GET /client.js: the client library as one ES module, so a custom POS page syncs with one script tag (docs/client.md). */
export function clientScriptRoutes(): Hono {
  const app = new Hono();
  let script: Promise<string | undefined> | undefined;
  app.get("/client.js", async (c) => {
    script ??= firstReadable(CANDIDATES);
    const text = await script;
    if (text === undefined) {
      script = undefined;
      return c.json({ error: "the browser client is not built: run npm run build" }, 404);
    }
    return c.body(text, 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" });
  });
  return app;
}

async function firstReadable(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined) return text;
  }
  return undefined;
}
