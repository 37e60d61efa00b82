import type { IncomingMessage } from "node:http";

export class BodyTooLarge {}

/**
 * The request body as text, or BodyTooLarge past `limit` bytes, read from Node's request
 * stream: building a web Request and its stream costs more than the rest of a poll.
 */
export function readNodeBody(incoming: IncomingMessage, limit: number): Promise<string | BodyTooLarge> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > limit) return Promise.resolve(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      incoming.off("data", onData);
      incoming.resume(); // drain the rest unread, so the reply can still go out on this connection
      resolve(new BodyTooLarge());
    };
    incoming.on("data", onData);
    incoming.once("error", reject);
    incoming.once("end", () => {
      if (size > limit) return;
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"));
    });
  });
}
