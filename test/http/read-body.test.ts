import { createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "vitest";
import { readBody } from "../../src/http/read-body.ts";

/** Posts `body` to a server that reads it with readBody; resolves with the text and the request it came on. */
async function readOnServer(body: string): Promise<{ text: string; req: IncomingMessage }> {
  let settle!: (read: { text: string; req: IncomingMessage }) => void;
  const read = new Promise<{ text: string; req: IncomingMessage }>((resolve) => (settle = resolve));
  const server = createServer(async (req, res) => {
    settle({ text: await readBody(req, 1024), req });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const answered = new Promise<void>((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", method: "POST", headers: { "Content-Length": Buffer.byteLength(body) } }, (res) =>
      res.resume().on("end", resolve),
    );
    req.on("error", reject);
    req.end(body);
  });
  const result = await read;
  await answered;
  await new Promise((resolve) => server.close(resolve));
  return result;
}

test("once the body is in, the request keeps none of the reader's listeners (it lives as long as a held poll)", async () => {
  const { text, req } = await readOnServer('{"jsonrpc":"2.0","params":{}}');
  expect(text).toBe('{"jsonrpc":"2.0","params":{}}');
  expect(req.listenerCount("data")).toBe(0);
  expect(req.listenerCount("error")).toBe(0);
  expect(req.listenerCount("end")).toBe(0);
});
