import { Bus } from "../src/bus/bus.ts";
import { SqliteStore } from "../src/db/sqlite-store.ts";
import { applyUpdate } from "../src/sync/apply-update.ts";
const store = new SqliteStore(`/tmp/sb-${process.pid}.sqlite`);
const bus = await Bus.open(store, { pollTimeoutMs: 1000 });
for (let s = 0; s < 20; s++) for (let t = 0; t < 5; t++)
  await applyUpdate(bus, { multi_session_id: s, dbname: "bench", user_ID: 1, message: { action: "sync_all", data: { pos_id: s * 5 + t, run_ID: 1 }, immediate_rerendering: true } } as any);
for (const round of [1, 2, 3]) {
  const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
  const N = 3000;
  const all = [];
  for (let i = 0; i < N; i++) {
    all.push(applyUpdate(bus, { multi_session_id: i % 20, dbname: "bench", user_ID: 1, message: { action: "bench", data: { t: i, seq: i }, session_id: 1, login_number: 1 } } as any));
    if (all.length >= 64) { await Promise.all(all); all.length = 0; }
  }
  await Promise.all(all);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6; const cpu = process.cpuUsage(c0);
  console.log(`round ${round}: ${N} broadcasts in ${ms.toFixed(0)} ms; cpu per broadcast ${((cpu.user + cpu.system) / N).toFixed(1)} us (user ${(cpu.user/N).toFixed(1)} sys ${(cpu.system/N).toFixed(1)})`);
}
await store.close();
