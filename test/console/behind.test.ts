import { afterEach, describe, expect, test } from "vitest";
import { nodeUrlFor } from "../helpers/cluster.ts";
import { PosPoller, posChannels } from "../helpers/poller.ts";
import { call, channel } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { TerminalProcess } from "../helpers/terminal-process.ts";
import { waitFor } from "../helpers/wait.ts";
import { getJson } from "./helpers.ts";

/**
 * "Who is behind" (docs/console.md): each poll's `last` acknowledges what the terminal received;
 * a terminal whose oldest unacknowledged notification is older than POS_SYNC_BEHIND_AFTER is
 * behind. Runs on SQLite, PostgreSQL and the cluster, where the terminal (pos 2) polls the second
 * node and the first node's console and /metrics tell.
 */
const BACKEND_KEY = "backend-key-of-the-behind-test";
const BEHIND_AFTER_MS = 1000;
const POLL_TIMEOUT_MS = 2000;

let server: TestServer;
let frozen: TerminalProcess | undefined;
afterEach(async () => {
  await frozen?.stop();
  frozen = undefined;
  await server?.close();
});

async function start(): Promise<void> {
  server = await startServer({ behindAfter: BEHIND_AFTER_MS / 1000, pollTimeout: POLL_TIMEOUT_MS / 1000, backendKey: BACKEND_KEY });
}

/** Sends a notification to pos 2's orders through the first node; its id is what the terminal gets. */
async function sendToTerminal(message: string): Promise<void> {
  await call(`${server.url}/longpolling/send`, { channel: channel("shop1", "pos.multi_session", 2), message }, { Authorization: `Bearer ${BACKEND_KEY}` });
}

/** Terminal 2 as the first node's console shows it. */
async function terminalTwo(): Promise<any> {
  const { body } = await getJson(server.url, "/console/api/databases/shop1");
  return body.unregistered.find((terminal: { posId: string }) => terminal.posId === "2");
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
  if (!line) throw new Error(`no ${name} in /metrics`);
  return Number(line.slice(name.length + 1));
}

describe("who is behind", () => {
  test("a terminal frozen with SIGSTOP shows as behind within the threshold plus a poll, and catches up when continued", async () => {
    await start();
    frozen = TerminalProcess.start(nodeUrlFor(server.url, 2), posChannels("shop1", 2));
    await waitFor(async () => (await terminalTwo())?.state === "online", "terminal 2 to poll", 10_000);
    await sendToTerminal("first");
    await waitFor(() => frozen!.last > 0, "terminal 2 to receive the first notification");
    const acknowledged = frozen.last;
    // Its next poll says it has it: nothing is unacknowledged.
    await waitFor(async () => (await terminalTwo())?.acknowledgedId === acknowledged, "terminal 2's next poll to acknowledge it");
    expect(await terminalTwo()).toMatchObject({ deliveredId: acknowledged, unacknowledged: 0, unacknowledgedSince: null, behind: false });

    frozen.freeze();
    const sentAt = Date.now();
    await sendToTerminal("while frozen");
    await waitFor(async () => (await terminalTwo())?.behind === true, "terminal 2 to show as behind", BEHIND_AFTER_MS + POLL_TIMEOUT_MS);
    expect(Date.now() - sentAt).toBeGreaterThan(BEHIND_AFTER_MS);
    const behind = await terminalTwo();
    // The poll it held when it froze was answered: delivered, never acknowledged.
    expect(behind).toMatchObject({ acknowledgedId: acknowledged, unacknowledged: 1, behind: true });
    expect(behind.deliveredId).toBeGreaterThan(acknowledged);
    expect(behind.unacknowledgedSince).toBeGreaterThanOrEqual(sentAt - 50);
    expect(await metric("pos_sync_terminals_behind")).toBe(1);
    expect(await metric("pos_sync_oldest_unacknowledged_seconds")).toBeGreaterThan(BEHIND_AFTER_MS / 1000);

    frozen.thaw();
    await waitFor(async () => (await terminalTwo())?.behind === false, "terminal 2 to catch up", 5000);
    expect(await terminalTwo()).toMatchObject({ acknowledgedId: behind.deliveredId, unacknowledged: 0 });
    await waitFor(async () => (await metric("pos_sync_terminals_behind")) === 0, "/metrics to count none behind", 2000);
  });

  test("a terminal that stops between two polls counts what it was never sent", async () => {
    await start();
    const terminal = new PosPoller(nodeUrlFor(server.url, 2), "shop1", 2);
    await sendToTerminal("first");
    await terminal.receive(1);
    // A peek acknowledges without holding a poll; then it polls no more.
    await terminal.pollOnce({ peek: true });
    await waitFor(async () => (await terminalTwo())?.acknowledgedId === terminal.last, "the peek's cursor to be seen");
    await sendToTerminal("never sent");
    await sendToTerminal("never sent either");
    await waitFor(async () => (await terminalTwo())?.behind === true, "terminal 2 to show as behind", BEHIND_AFTER_MS + POLL_TIMEOUT_MS);
    expect(await terminalTwo()).toMatchObject({ deliveredId: terminal.last, acknowledgedId: terminal.last, unacknowledged: 2 });
  });

  test("a terminal that keeps polling while notifications keep coming is never behind", async () => {
    await start();
    const terminal = new PosPoller(nodeUrlFor(server.url, 2), "shop1", 2);
    let polling = true;
    const loop = (async () => {
      while (polling) await terminal.pollOnce().catch(() => undefined);
    })();
    await waitFor(async () => (await terminalTwo())?.state === "online", "terminal 2 to poll", 10_000);
    const until = Date.now() + 3 * BEHIND_AFTER_MS;
    let sent = 0;
    while (Date.now() < until) {
      await sendToTerminal(`order ${++sent}`);
      const seen = await terminalTwo();
      expect(seen.behind, `terminal 2 behind after ${sent} notifications: ${JSON.stringify(seen)}`).toBe(false);
      expect(await metric("pos_sync_terminals_behind")).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(() => terminal.received.length === sent, "every notification to arrive");
    polling = false;
    await sendToTerminal("wakes the last poll");
    await loop;
  });
});
