import type { IncomingMessage } from "node:http";
import type { Context } from "hono";

export class BodyTooLarge {}

/**
 * The request body as text, or BodyTooLarge past `limit` bytes. Reads Node's request stream
 * directly when there is one: building a web Request and its stream costs more than the rest
 * of a poll.
 */
export async function readBody(c: Context, limit: number): Promise<string | BodyTooLarge> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) {
    const text = await c.req.text();
    return Buffer.byteLength(text) > limit ? new BodyTooLarge() : text;
  }
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) return new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) return new BodyTooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
}
