import { KEY_PREFIX } from "../protocol/routes.ts";

/**
 * The path a request is routed by: no query, repeated slashes collapsed and no trailing slash,
 * because a POS whose Sync Server URL ends in "/" calls "//longpolling/poll".
 */
export function routingPath(url: string): string {
  const query = url.indexOf("?");
  let path = query === -1 ? url : url.slice(0, query);
  if (path.includes("//")) path = path.replace(/\/{2,}/g, "/");
  if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
  return path;
}

/** A routing path split into the key of its /k/<key> prefix (if any) and the route path after it. */
export function splitKeyPrefix(path: string): { key: string | undefined; route: string } {
  if (!path.startsWith(KEY_PREFIX)) return { key: undefined, route: path };
  const end = path.indexOf("/", KEY_PREFIX.length);
  const encoded = end === -1 ? path.slice(KEY_PREFIX.length) : path.slice(KEY_PREFIX.length, end);
  return { key: decodeKey(encoded), route: end === -1 ? "/" : path.slice(end) };
}

/** The path with its key masked, for logs and error messages: keys are never echoed. */
export function withoutKey(path: string): string {
  if (!path.startsWith(KEY_PREFIX)) return path;
  const end = path.indexOf("/", KEY_PREFIX.length);
  return `${KEY_PREFIX}<key>${end === -1 ? "" : path.slice(end)}`;
}

function decodeKey(encoded: string): string | undefined {
  if (!encoded) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
