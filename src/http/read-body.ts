import type { IncomingMessage } from "node:http";
import { ProtocolError } from "../errors.ts";
import { PROTOCOL_ERROR } from "../protocol/envelope.ts";

/**
 * How much of an oversized body is read and thrown away before the 413 goes out. A client that
 * writes its whole body before reading (most do) would otherwise see the connection reset
 * under its writes and never read the 413; past this bound we stop caring.
 */
const DISCARD_LIMIT = 16 * 1024 * 1024;

export function bodyTooLarge(limit: number): ProtocolError {
  return new ProtocolError(413, PROTOCOL_ERROR.invalidRequest, `Request body over the limit of ${limit} bytes (POS_SYNC_BODY_LIMIT)`);
}

/**
 * The request body as text, read from Node's request stream (building a web Request and its
 * stream costs more than the rest of a poll). Past `limit` bytes it rejects with a 413
 * ProtocolError, but only once the client has sent the rest (up to DISCARD_LIMIT), so the reply
 * can be read before the connection closes.
 */
export function readBody(incoming: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(incoming.headers["content-length"]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = () => reject(bodyTooLarge(limit));
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      chunks.length = 0;
      if (size > limit + DISCARD_LIMIT) {
        incoming.off("data", onData);
        incoming.resume();
        tooLarge();
      }
    };
    if (declared > limit + DISCARD_LIMIT) {
      incoming.resume();
      return tooLarge();
    }
    incoming.on("data", onData);
    incoming.once("error", reject);
    incoming.once("end", () => {
      // The request lives as long as a held poll: its listeners would keep the chunks with it.
      incoming.off("data", onData);
      incoming.off("error", reject);
      if (size > limit) return tooLarge();
      resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"));
    });
  });
}
