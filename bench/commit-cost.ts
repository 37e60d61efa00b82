/**
 * npx tsx bench/commit-cost.ts [--commits N]
 *
 * What finding a channel's notifications costs at commit, SQLite alone (no server): the
 * notifications table as the server writes it (WAL, synchronous=NORMAL, one commit per batch of
 * broadcasts), with 200,000 rows already stored over 100 terminals' channels, and
 * - no channel index (main since migration 0003: reads walk the key),
 * - the (channel, id) index migration 0003 dropped,
 * - no index, and the ids appended to the in-memory ChannelIndex after each commit (this store).
 * Reports CPU (user + kernel) and WAL frames per notification, interleaved rounds, median (min-max).
 */
import Database from "better-sqlite3";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ChannelIndex } from "../src/db/sqlite/channel-index.ts";
import { medianAndRange } from "./stats.ts";

const { values } = parseArgs({ options: { commits: { type: "string", default: "2000" }, rounds: { type: "string", default: "3" } } });
const commits = Number(values.commits);
const rounds = Number(values.rounds);
const CHANNELS = 100;
const PER_BROADCAST = 5;
const STORED = 200_000;
const channel = (k: number) => JSON.stringify(["bench", "pos.multi_session", String(k % CHANNELS)]);
const message = JSON.stringify({ action: "bench", data: { t: 123456.789, seq: 42 }, message_ID: 7 });

type Variant = "no index" | "(channel, id) index" | "no index + ChannelIndex";

function measure(variant: Variant, broadcastsPerCommit: number): { micros: number; frames: number } {
  const dir = mkdtempSync(join(tmpdir(), "pos-sync-commit-cost-"));
  try {
    const db = new Database(join(dir, "n.sqlite"));
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE notifications (id INTEGER PRIMARY KEY, channel TEXT NOT NULL, message TEXT NOT NULL, created_at INTEGER NOT NULL)");
    if (variant === "(channel, id) index") db.exec("CREATE INDEX notifications_channel_id ON notifications (channel, id)");
    const insert = db.prepare("INSERT INTO notifications (id, channel, message, created_at) VALUES (?, ?, ?, ?)");
    const index = variant === "no index + ChannelIndex" ? new ChannelIndex() : undefined;
    let id = 0;
    db.transaction(() => {
      for (; id < STORED; id++) {
        insert.run(id + 1, channel(id), message, Date.now());
        index?.add(channel(id), id + 1);
      }
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
    const begin = db.prepare("BEGIN IMMEDIATE");
    const commit = db.prepare("COMMIT");
    const perCommit = broadcastsPerCommit * PER_BROADCAST;
    const cpu = process.cpuUsage();
    for (let c = 0; c < commits; c++) {
      const sent: [number, string][] = [];
      begin.run();
      for (let b = 0; b < broadcastsPerCommit; b++) {
        // One broadcast: the 5 terminals of one session, round robin over sessions.
        const session = ((c * broadcastsPerCommit + b) * PER_BROADCAST) % CHANNELS;
        for (let t = 0; t < PER_BROADCAST; t++) {
          const ch = channel(session + t);
          insert.run(++id, ch, message, Date.now());
          sent.push([id, ch]);
        }
      }
      commit.run();
      if (index) for (const [n, ch] of sent) index.add(ch, n);
    }
    const used = process.cpuUsage(cpu);
    const walBytes = statSync(join(dir, "n.sqlite-wal")).size;
    db.close();
    const notifications = commits * perCommit;
    return { micros: (used.user + used.system) / notifications, frames: walBytes / 4120 / notifications };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants: Variant[] = ["no index", "(channel, id) index", "no index + ChannelIndex"];
process.stdout.write("| broadcasts per commit | variant | CPU per notification (µs) | WAL frames per notification |\n| ---: | --- | ---: | ---: |\n");
for (const broadcasts of [1, 8]) {
  const results = new Map<Variant, { micros: number[]; frames: number[] }>(variants.map((v) => [v, { micros: [], frames: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const r = measure(variant, broadcasts);
      results.get(variant)!.micros.push(r.micros);
      results.get(variant)!.frames.push(r.frames);
    }
  }
  for (const [variant, r] of results)
    process.stdout.write(`| ${broadcasts} | ${variant} | ${medianAndRange(r.micros, 2)} | ${medianAndRange(r.frames, 2)} |\n`);
}
