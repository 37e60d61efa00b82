import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, test } from "vitest";
import { LongpollBus, type MultiSessionClient } from "../../src/client/index.ts";
import type { TestServer } from "../helpers/server.ts";
import {
  converged,
  DB,
  fastBackoff,
  garbageCollectBus,
  nextEvent,
  openTerminal,
  order,
  sessionTerminal,
  testServer,
  TRANSPORT,
  until,
  view,
} from "./helpers.ts";
import { faultsApi } from "../helpers/faults.ts";
import { type Proxy as TcpProxy, startProxy } from "./proxy.ts";

const SLOW_MS = 800;

let server: TestServer;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Shop {
  admin: MultiSessionClient;
  /** Every terminal but admin. */
  others: MultiSessionClient[];
  all: MultiSessionClient[];
  /** Per terminal, in the order of `all`: a proxy for its requests and one for its bus. */
  proxies: Array<{ requests: TcpProxy; bus: TcpProxy }>;
  /** Admin's requests carry `phantomtest: slowConnection` while this is true. */
  slow: { admin: boolean };
}

/** A server with test features and `count` terminals of one user sharing multi-session 1, each behind its own proxy. */
async function openShop(count: number): Promise<Shop> {
  server = await testServer({ testFeatures: true, slowDelayMs: SLOW_MS });
  cleanups.push(() => server.close(500));
  const slow = { admin: false };
  const proxies: Shop["proxies"] = [];
  const all: MultiSessionClient[] = [];
  for (let posId = 1; posId <= count; posId++) {
    const requests = await startProxy(server.port);
    const bus = await startProxy(server.port);
    cleanups.push(
      () => requests.close(),
      () => bus.close(),
    );
    proxies.push({ requests, bus });
    const headers = posId === 1 ? (): Record<string, string> => (slow.admin ? { phantomtest: "slowConnection" } : {}) : undefined;
    const terminal = await openTerminal({
      baseUrl: requests.url,
      posId,
      busOptions: { baseUrl: bus.url },
      ...(headers ? { headers } : {}),
    });
    cleanups.push(() => terminal.stop());
    all.push(terminal);
  }
  return { admin: all[0]!, others: all.slice(1), all, proxies, slow };
}

/** Takes the terminal off the network: its requests and its bus fail. */
async function cut(shop: Shop, terminal: MultiSessionClient): Promise<void> {
  const { requests, bus } = shop.proxies[shop.all.indexOf(terminal)]!;
  await Promise.all([requests.cut(), bus.cut()]);
}

async function restore(shop: Shop, terminal: MultiSessionClient): Promise<void> {
  const { requests, bus } = shop.proxies[shop.all.indexOf(terminal)]!;
  await Promise.all([requests.restore(), bus.restore()]);
}

function allConverged(shop: Shop, expectedOrders: number): Promise<void> {
  return until(
    `all ${shop.all.length} terminals hold the same ${expectedOrders} order(s)`,
    () => shop.all.every((t) => t.orders.size === expectedOrders && t.pending === 0) && converged(shop.all),
    shop.all,
  );
}

/** A terminal that just opened: its sync_all shows the server's state. */
async function serverView(): Promise<ReturnType<typeof view>> {
  const observer = await openTerminal({ baseUrl: server.url, posId: 99, userId: 2 });
  try {
    return view(observer);
  } finally {
    observer.stop();
  }
}

describe.each([2, 5])("%i terminals sharing one session", (count) => {
  test("a new order reaches every other terminal", async () => {
    const shop = await openShop(count);
    const received = shop.others.map((t) => nextEvent(t, "orderUpdated", (e) => e.uid === "o1"));
    const reply = await shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    expect(reply).toMatchObject({ status: "accepted", revisionId: 1, sequenceNumber: 1 });
    await Promise.all(received);
    await allConverged(shop, 1);
    expect(view(shop.others[0]!)).toEqual(await serverView());
  });

  test("a terminal offline while the order changes twice and the bus is garbage-collected catches up, edits, and all converge", async () => {
    const shop = await openShop(count);
    const offline = shop.all.slice(1, Math.min(3, count));
    await shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    await allConverged(shop, 1);

    for (const t of offline) await cut(shop, t);
    await until("the cut terminals see they are offline", () => offline.every((t) => t.connection === "offline"), offline);
    await shop.admin.updateOrder(order("o1", [["l1", 10, 2]]));
    await shop.admin.updateOrder(
      order("o1", [
        ["l1", 10, 2],
        ["l2", 11, 1],
      ]),
    );
    expect(await garbageCollectBus(server.url)).not.toEqual([]);

    for (const t of offline) await restore(shop, t);
    await until(
      "the returning terminals are online with admin's revision 3",
      () => offline.every((t) => t.connection === "online" && t.getOrder("o1")?.revisionId === 3),
      offline,
    );
    const demo = offline[0]!;
    const edit = await demo.updateOrder(
      order("o1", [
        ["l1", 10, 2],
        ["l2", 11, 1],
        ["l3", 12, 5],
      ]),
    );
    expect(edit).toMatchObject({ status: "accepted", revisionId: 4 });
    await allConverged(shop, 1);
    expect(view(shop.admin).o1?.lines).toHaveLength(3);
    expect(view(shop.admin)).toEqual(await serverView());
  });

  test("edits made offline are queued and flushed when the terminal returns", async () => {
    const shop = await openShop(count);
    const demo = shop.others[0]!;
    await cut(shop, demo);
    const sent = demo.updateOrder(order("o9", [["l1", 10, 1]]));
    await until("demo is offline with its edit queued", () => demo.connection === "offline" && demo.pending > 0, [demo]);
    expect(shop.admin.orders.size).toBe(0);
    await restore(shop, demo);
    expect(await sent).toMatchObject({ status: "accepted", revisionId: 1 });
    await allConverged(shop, 1);
    expect(view(shop.admin).o9?.lines).toEqual([{ uid: "l1", product_id: 10, qty: 1 }]);
  });

  test("a request whose reply was lost is retried with the same nonce and applied once", async () => {
    const shop = await openShop(count);
    const demo = shop.others[0]!;
    await demo.updateOrder(order("o1", [["l1", 10, 1]]));
    await allConverged(shop, 1);
    const adminSaw: number[] = [];
    cleanups.push(shop.admin.on("orderUpdated", ({ order: o }) => adminSaw.push(o.revisionId)));

    shop.proxies[1]!.requests.dropReplies();
    const sent = demo.updateOrder(order("o1", [["l1", 10, 2]]));
    await until("the server applied demo's edit", () => shop.admin.getOrder("o1")?.revisionId === 2, [shop.admin]);
    await shop.proxies[1]!.requests.restore(); // the connection drops: demo sends the same request again
    expect(await sent).toEqual({ status: "duplicate", uid: "o1" });

    expect(await demo.updateOrder(order("o1", [["l1", 10, 3]]))).toMatchObject({ status: "accepted", revisionId: 3 });
    await allConverged(shop, 1);
    expect(adminSaw).toEqual([2, 3]);
    expect((await serverView()).o1?.revision).toBe(3);
  });

  test("an order removed while a terminal is offline is gone there when it returns", async () => {
    const shop = await openShop(count);
    await shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    await shop.admin.updateOrder(order("o2", [["l1", 10, 1]]));
    await allConverged(shop, 2);
    const demo = shop.others[0]!;
    await cut(shop, demo);
    expect(await shop.admin.removeOrder("o1")).toEqual({ status: "removed", uid: "o1" });
    expect(demo.getOrder("o1")).toBeDefined();
    const removed = nextEvent(demo, "orderRemoved", (e) => e.uid === "o1");
    await restore(shop, demo);
    await removed;
    await allConverged(shop, 1);
    expect([...demo.orders.keys()]).toEqual(["o2"]);
  });

  test("both update one order at once while admin is slow: admin wins, the other re-syncs and converges", async () => {
    const shop = await openShop(count);
    await shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    await allConverged(shop, 1);
    const demo = shop.others[0]!;
    // Demo must not hear of admin's change before it sends its own: its bus stays cut until then.
    await cut(shop, demo);
    await until("demo is offline", () => demo.connection === "offline", [demo]);

    shop.slow.admin = true;
    const started = Date.now();
    const adminMessageId = shop.admin.messageId!;
    const adminSent = shop.admin.updateOrder(order("o1", [["l1", 10, 7]]));
    await until("the server applied admin's change", () => shop.admin.messageId === adminMessageId + 1, [shop.admin]);

    await shop.proxies[1]!.requests.restore();
    const conflict = nextEvent(demo, "conflict");
    const demoSent = await demo.updateOrder(order("o1", [["l1", 10, 3]]));
    expect(demoSent).toEqual({ status: "conflict", uid: "o1", state: "draft" });
    await conflict;
    await shop.proxies[1]!.bus.restore();
    expect(await adminSent).toMatchObject({ status: "accepted", revisionId: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(SLOW_MS);

    await allConverged(shop, 1);
    expect(view(demo).o1).toEqual({ revision: 2, lines: [{ uid: "l1", product_id: 10, qty: 7 }], note: null });
  });

  test("two updates sent while the first reply is still slow get no revision error: sends are queued", async () => {
    const shop = await openShop(count);
    shop.slow.admin = true;
    const conflicts: unknown[] = [];
    cleanups.push(shop.admin.on("conflict", (c) => conflicts.push(c)));
    const first = shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    await delay(SLOW_MS / 2); // the scenario's "1.5 s apart", scaled to the test delay
    const second = shop.admin.updateOrder(
      order("o1", [
        ["l1", 10, 1],
        ["l2", 11, 1],
      ]),
    );
    expect(await first).toMatchObject({ status: "accepted", revisionId: 1 });
    expect(await second).toMatchObject({ status: "accepted", revisionId: 2 });
    expect(conflicts).toEqual([]);
    await allConverged(shop, 1);
    expect(view(shop.others.at(-1)!).o1?.revision).toBe(2);
  });

  test("a remove queued behind pending updates goes out last, with the revision they produced", async () => {
    const shop = await openShop(count);
    shop.slow.admin = true;
    const messageId = shop.admin.messageId!;
    const first = shop.admin.updateOrder(order("o1", [["l1", 10, 1]]));
    // The second edit waits for the first's slow reply: two requests, not one coalesced.
    await until("the server applied the first update", () => shop.admin.messageId === messageId + 1, [shop.admin]);
    const second = shop.admin.updateOrder(order("o1", [["l1", 10, 2]]));
    const removal = shop.admin.removeOrder("o1", { finalized: true });
    expect(shop.admin.getOrder("o1")).toBeUndefined();
    expect(await first).toMatchObject({ status: "accepted" });
    expect(await second).toMatchObject({ status: "accepted", revisionId: 2 });
    expect(await removal).toEqual({ status: "removed", uid: "o1" });
    await allConverged(shop, 0);
    expect(await serverView()).toEqual({});
  }, 20_000);

  test("a gap in message_ID (notifications lost while the bus was stopped) triggers a full re-sync", async () => {
    server = await testServer({ testFeatures: true });
    cleanups.push(() => server.close(500));
    const bus = new LongpollBus({ baseUrl: server.url, dbname: DB, posId: 2, backoff: fastBackoff, transport: TRANSPORT });
    const { MultiSessionClient } = await import("../../src/client/index.ts");
    const demo = new MultiSessionClient({ ...sessionTerminal(server.url, 2), bus, backoff: fastBackoff });
    bus.start();
    await demo.start();
    cleanups.push(() => {
      demo.stop();
      bus.stop();
    });
    const others = await Promise.all(Array.from({ length: count - 1 }, (_, i) => openTerminal({ baseUrl: server.url, posId: i === 0 ? 1 : i + 2 })));
    for (const t of others) cleanups.push(() => t.stop());
    const admin = others[0]!;
    const all = [demo, ...others];
    await admin.updateOrder(order("o1", [["l1", 10, 1]]));
    await until("all have o1", () => all.every((t) => t.orders.size === 1), all);

    bus.stop();
    await admin.updateOrder(order("o1", [["l1", 10, 2]]));
    await garbageCollectBus(server.url);
    bus.start();
    const fullSync = nextEvent(demo, "synced", (s) => s.uid === undefined);
    await admin.updateOrder(order("o2", [["l1", 10, 1]]));
    await fullSync;
    await until("all converge on o1 rev 2 and o2", () => all.every((t) => t.orders.size === 2) && converged(all), all);
    expect(demo.getOrder("o1")?.revisionId).toBe(2);
  });
});

test("five terminals x 50 concurrent updates on their own and shared orders end equal to the server", async () => {
  const shop = await openShop(5);
  await shop.admin.updateOrder(order("shared1", [["s1", 1, 0]]));
  await shop.admin.updateOrder(order("shared2", [["s2", 2, 0]]));
  await allConverged(shop, 2);
  const gapResyncs: unknown[] = [];
  for (const t of shop.all) cleanups.push(t.on("synced", (s) => s.uid === undefined && gapResyncs.push(s)));
  await Promise.all(
    shop.all.map(async (terminal, index) => {
      for (let i = 1; i <= 50; i++) {
        const shared = `shared${(i % 2) + 1}`;
        const current = terminal.getOrder(shared)?.data ?? order(shared, []);
        const sends = [
          terminal.updateOrder(order(`own${index}`, [[`own${index}-l${i}`, index, i]])),
          terminal.updateOrder({ ...current, note: `t${index}#${i}` }),
        ];
        await Promise.all(sends);
      }
    }),
  );
  await allConverged(shop, 7).catch((e) => {
    console.log(
      JSON.stringify(
        shop.all.map((t) => [t.pending, t.messageId, view(t)]),
        null,
        1,
      ),
    );
    throw e;
  });
  const truth = await serverView();
  expect(view(shop.admin)).toEqual(truth);
  for (let index = 0; index < 5; index++) expect(truth[`own${index}`]?.revision).toBe(50);
  // Every terminal saw its message_IDs without a gap: none had to start over from a snapshot.
  expect(gapResyncs).toEqual([]);
}, 60_000);

test("a broadcast that overtakes the reply of our single-order sync is no gap (no full resync)", async () => {
  const shop = await openShop(2);
  const [a, b] = shop.all as [MultiSessionClient, MultiSessionClient];
  await a.updateOrder(order("o1", [["l1", 1, 1]]));
  await allConverged(shop, 1);
  const fullResyncs: unknown[] = [];
  cleanups.push(a.on("synced", (s) => s.uid === undefined && fullResyncs.push(s)));
  // A's single-order sync spends the next message_ID; its reply comes late, after B's broadcast.
  const faults = faultsApi(server.url);
  await faults.addOk({ match: { dbname: DB, pos_id: 1, action: "sync_all" }, effect: { type: "delay_reply", ms: 600 }, count: 1 });
  const syncing = a.syncAll({ uid: "o1" });
  await until("the sync is in flight", () => a.pending > 0, [a]);
  await b.updateOrder(order("o2", [["l2", 2, 1]]));
  await syncing;
  await allConverged(shop, 2);
  expect(fullResyncs).toEqual([]);
});
