import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { NotFoundError } from "../errors.ts";
import { type Feature, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";

/**
 * Where the browser build of the client library (scripts/build-if-stale.mjs) lies: beside the
 * compiled server in dist/, or, when the server runs from src/ (tests, tsx), in dist/ beside src/.
 */
const CANDIDATES = ["../client.js", "../../dist/client.js"].map((relative) => fileURLToPath(new URL(relative, import.meta.url)));

/**
 * GET /client.js: the client library as one ES module, so a custom POS page syncs with one
 * script tag (docs/client.md). A `terminal` route with CORS allowed: a page of another origin loads it.
 */
export function browserClientFeature(): Feature {
  let script: Promise<string | undefined> | undefined;
  return {
    routes: [
      plainRoute("GET", PLAIN_ROUTES.clientScript, { access: "terminal", cors: "allow" }, async () => {
        script ??= firstReadable(CANDIDATES);
        const text = await script;
        if (text === undefined) {
          script = undefined;
          throw new NotFoundError("the browser client is not built: run npm run build");
        }
        return { status: 200, headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }, body: text };
      }),
    ],
  };
}

async function firstReadable(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch(() => undefined);
    if (text !== undefined) return text;
  }
  return undefined;
}
