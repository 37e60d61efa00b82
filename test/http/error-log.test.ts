import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { AccessDeniedError } from "../../src/errors.ts";
import { ErrorLog } from "../../src/http/error-log.ts";
import { channel, rpc } from "../helpers/rpc.ts";
import { startServer, tempDbPath, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

const KEY = "key-of-shop-one";

/** A pino logger at info whose lines the test reads back. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  let raw = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "info" }, sink), lines, raw: () => raw };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function keyedServer() {
  const captured = capturedLog();
  // SQLite on every run: the lines read back are the door's, not the store's.
  server = await startServer({ pollTimeout: 0.2, keys: { shop1: KEY }, logLevel: "info" }, { dbPath: tempDbPath(), log: captured.log });
  return { ...captured, url: server.url };
}

describe("what an operator reads at info level", () => {
  test("a refused access: one line with route, database, reason and client address, never the key", async () => {
    const { url, lines, raw } = await keyedServer();
    const reply = await rpc(`${url}/k/wrong-key-123/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 1)], last: 0 });
    expect(reply.body.error?.data?.exception_type).toBe("access_denied");
    await waitFor(() => lines.some((line) => line.msg === "access refused"), "the refusal to be logged");
    expect(lines.filter((line) => line.msg === "access refused")).toEqual([
      expect.objectContaining({
        level: 30,
        route: "/longpolling/poll",
        database: "shop1",
        clientAddress: expect.stringMatching(/127\.0\.0\.1/),
        exceptionType: "access_denied",
        reason: 'Access denied: the key does not open database "shop1"',
      }),
    ]);

    await rpc(`${url}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" }, { headers: { Authorization: `Bearer ${KEY}x` } });
    await waitFor(() => lines.filter((line) => line.msg === "access refused").length === 2, "the second refusal");
    expect(lines.filter((line) => line.msg === "access refused")[1]).toMatchObject({ route: "/pos_longpolling/update", database: "shop1" });
    expect(raw()).not.toContain("wrong-key-123");
    expect(raw()).not.toContain(KEY);
  });

  test("an application error (bad input): one line naming the route, database and the field", async () => {
    const { url, lines } = await keyedServer();
    await rpc(`${url}/k/${KEY}/pos_multi_session_sync/update`, { multi_session_id: "one", dbname: "shop1", user_ID: 1, message: { action: "note", data: {} } });
    await waitFor(() => lines.some((line) => line.msg === "application error"), "the error to be logged");
    expect(lines.find((line) => line.msg === "application error")).toMatchObject({
      route: "/pos_multi_session_sync/update",
      database: "shop1",
      exceptionType: "validation_error",
      reason: expect.stringContaining("multi_session_id"),
    });
  });

  test("a flood of refusals is cut to 20 lines per 10 s", async () => {
    const { url, lines } = await keyedServer();
    const started = Date.now();
    for (let i = 0; i < 50; i += 1) await rpc(`${url}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" });
    const windows = Math.ceil((Date.now() - started) / 10_000); // 1 unless this machine is very loaded
    expect(lines.filter((line) => line.msg === "access refused").length).toBeLessThanOrEqual(20 * windows);
    if (windows === 1) expect(lines.filter((line) => line.msg === "access refused")).toHaveLength(20);
  });

  test("after a window with lines held back, one summary says how many", async () => {
    const { log, lines } = capturedLog();
    const errorLog = new ErrorLog(log, { maxLines: 2, windowMs: 100 });
    const refuse = () => errorLog.record("/longpolling/poll", { db_name: "shop1" }, "127.0.0.1", new AccessDeniedError("no"));
    for (let i = 0; i < 7; i += 1) refuse();
    expect(lines.filter((line) => line.msg === "access refused")).toHaveLength(2);
    await waitFor(() => lines.some((line) => line.suppressed !== undefined), "the summary line", 10_000);
    expect(lines.at(-1)).toMatchObject({ level: 30, suppressed: 5, windowMs: 100 });
    refuse();
    expect(lines.at(-1)).toMatchObject({ msg: "access refused" });
  });
});
