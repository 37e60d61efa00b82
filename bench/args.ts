/** Command-line flags of bench/run.ts. */
import { parseArgs } from "node:util";
import type { NchanLongpoll, NchanPublish } from "./nchan.ts";
import type { TargetName } from "./results.ts";

export type Scenario = "fanout" | "saturation" | "idle" | "connect";

export interface BenchArgs {
  scenarios: Scenario[];
  /** Long-poll rows, event-stream rows (ours' and the Node floor's /longpolling/stream, Nchan's EventSource), or both in one run. */
  transports: Array<"poll" | "stream">;
  /** Fan-out and saturation topologies, sessions x terminals. */
  topologies: { sessions: number; terminals: number }[];
  rate: number;
  durationSeconds: number;
  inflight: number;
  idlePolls: number;
  /** Connect storm: terminals (re)connecting at once halfway through a saturation window. */
  connects: number;
  drainMs: number;
  smoke: boolean;
  vsNchan: boolean;
  /** Also run the bare node:http server of bench/node-floor-server.ts. */
  vsNodeFloor: boolean;
  /** Run one target only (development aid). */
  only?: TargetName;
  /** Our server built from other checkouts, by name: measured beside this one as ours@<name>. */
  builds: { name: string; dir: string }[];
  /** Rounds of every scenario and target, interleaved; the report gives each figure's median. */
  repeat: number;
  /** Fan-out: sample the phases of 1 broadcast in N on our server (0: off). */
  phaseSampling: number;
  nchanPublish: NchanPublish;
  nchanLongpoll: NchanLongpoll;
  /** Before each scenario, wait up to this many seconds for other processes to go quiet. */
  quietWaitSeconds: number;
  json?: string;
  profileDir?: string;
  /** Our server's store: sqlite (a temp file) or postgres (a temp database on POS_SYNC_BENCH_PG_URL). */
  store: "sqlite" | "postgres";
  /** --pg-set NAME=VALUE: settings of the bench database, a diagnostic (e.g. synchronous_commit=off to see the WAL flush's share). */
  pgSettings: Record<string, string>;
  /** Our server's node counts, each measured (PostgreSQL with more than one): broadcasts to each node in turn, terminal i polls node i mod N. */
  nodeCounts: number[];
  /** Milliseconds each way between our server and PostgreSQL (a delaying proxy), each measured; 0: direct. */
  pgDelays: number[];
  /** Sessions spread over this many shops (databases). */
  shops: number;
}

export const usage = `Usage: npm run bench -- [flags]   (or: npx tsx bench/run.ts [flags])
  --scenario fanout|saturation|idle|connect|all   (all)
                                          connect: saturation, and halfway through it a storm of terminals never
                                          seen before sending their first poll (last=0, peek) at once
  --sessions N --terminals N              fan-out/saturation topology (20 x 5)
  --topology 20x5,4x1,4x50                several topologies in one run (overrides the two above)
  --rate N                                fan-out broadcasts per second, open loop (200)
  --duration S                            fan-out and saturation seconds (10)
  --inflight N                            saturation broadcasts in flight, closed loop (64)
  --idle-polls N                          idle held polls (10000)
  --connects N                            connect storm: terminals (re)connecting at once (1000)
  --drain MS                              after publishing, count what is missing as lost once no
                                          notification arrived for MS (5000)
  --smoke                                 a few seconds, tiny sizes; exit 1 on any loss (CI)
  --vs nchan                              the same scenarios against Nchan (bench/install-nchan.sh)
  --vs node-floor                         ... and against a bare node:http server of the same wire, in memory
                                          (bench/node-floor-server.ts); both: --vs node-floor,nchan
  --only ours|node-floor|nchan            run one target only (with --only nchan, no need for a built server)
  --build NAME=DIR                        also measure our server built in another checkout DIR (npm run build there),
                                          as column ours@NAME, e.g. the commit before a change; repeatable
  --transport poll|stream|poll,stream     how subscribers listen: long-poll, or an event stream (ours and the Node floor:
                                          /longpolling/stream, Nchan: its EventSource subscriber), or both (poll)
  --repeat N                              N rounds, targets interleaved within each; the tables give medians (1)
  --phase-sampling N                      fan-out: time the phases of 1 broadcast in N on our server (5; 0: off)
  --nchan-publish multi|per-channel       Nchan: one multi-channel publish per broadcast, or one per channel (multi)
  --nchan-longpoll multipart|single       Nchan: long-poll answers with every queued message (multipart/mixed),
                                          like ours, or one message per response (multipart)
  --quiet-wait S                          before each scenario wait up to S s until the machine is idle
                                          (under 10 % of a core busy); for shared machines (0)
  --store sqlite|postgres                 our server's store (sqlite); postgres makes a database of its own on
                                          POS_SYNC_BENCH_PG_URL (postgres://postgres@127.0.0.1:5432) and drops it after
  --pg-set NAME=VALUE                     a setting of the PostgreSQL bench database (ALTER DATABASE ... SET), a diagnostic:
                                          synchronous_commit=off shows what the WAL flush per commit costs; repeatable
  --nodes N[,N...]                        our server's nodes, 1 to 3, each count measured as its own column (1); more than 1
                                          implies postgres: broadcasts go to each node in turn, terminal i polls node i mod N
  --pg-delay MS[,MS...]                   put PostgreSQL MS milliseconds away each way (a delaying TCP proxy,
                                          bench/delay-proxy.ts), each value measured as its own column (0)
  --shops N                               spread the sessions over N shops, one database name each (1); e.g.
                                          --topology 100x5 --shops 100: 100 shops of one 5-terminal session
  --json FILE                             also write the results JSON there
  --profile DIR                           run our server (and the Node floor) with node --cpu-prof during fan-out and saturation, profiles into DIR`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: string[]): BenchArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: "string", default: "all" },
      transport: { type: "string", default: "poll" },
      sessions: { type: "string" },
      terminals: { type: "string" },
      topology: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      inflight: { type: "string" },
      "idle-polls": { type: "string" },
      connects: { type: "string" },
      drain: { type: "string" },
      smoke: { type: "boolean", default: false },
      vs: { type: "string", multiple: true },
      "phase-sampling": { type: "string" },
      repeat: { type: "string" },
      only: { type: "string" },
      build: { type: "string", multiple: true },
      "nchan-publish": { type: "string", default: "multi" },
      "nchan-longpoll": { type: "string", default: "multipart" },
      json: { type: "string" },
      "quiet-wait": { type: "string" },
      profile: { type: "string" },
      store: { type: "string" },
      nodes: { type: "string" },
      "pg-delay": { type: "string" },
      shops: { type: "string" },
      "pg-set": { type: "string", multiple: true },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const smoke = values.smoke ?? false;
  const scenario = values.scenario ?? "all";
  const known: Scenario[] = ["fanout", "saturation", "idle", "connect"];
  const scenarios = scenario === "all" ? known : scenario.split(",").map((s) => s.trim() as Scenario);
  for (const s of scenarios) if (!known.includes(s)) throw new Error(`--scenario must be fanout, saturation, idle, connect or all, got "${s}"`);
  const vs = (values.vs ?? []).flatMap((v) => v.split(",")).map((v) => v.trim());
  for (const v of vs) if (v !== "nchan" && v !== "node-floor") throw new Error(`--vs knows "nchan" and "node-floor", got "${v}"`);
  if (values.only !== undefined && !["ours", "nchan", "node-floor"].includes(values.only)) throw new Error(`--only must be ours, node-floor or nchan`);
  const builds = (values.build ?? []).map((b) => {
    const m = /^([\w.-]+)=(.+)$/.exec(b);
    if (!m) throw new Error(`--build wants NAME=DIR (NAME of letters, digits, . _ -), got "${b}"`);
    return { name: m[1]!, dir: m[2]! };
  });
  const pgSettings: Record<string, string> = {};
  for (const setting of values["pg-set"] ?? []) {
    const m = /^([a-z_.]+)=(.*)$/.exec(setting);
    if (!m) throw new Error(`--pg-set wants NAME=VALUE (a PostgreSQL setting), got "${setting}"`);
    pgSettings[m[1]!] = m[2]!;
  }
  const nodeCounts = (values.nodes ?? "1").split(",").map((n) => positiveInt("nodes", n.trim(), 1));
  for (const n of nodeCounts) if (!Number.isInteger(n) || n > 3) throw new Error(`--nodes wants counts from 1 to 3, got "${values.nodes}"`);
  const pgDelays = (values["pg-delay"] ?? "0").split(",").map((d) => {
    const ms = Number(d.trim());
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`--pg-delay wants milliseconds (0 or more), got "${d}"`);
    return ms;
  });
  const clustered = nodeCounts.some((n) => n > 1) || pgDelays.some((d) => d > 0);
  const store = values.store ?? (clustered ? "postgres" : "sqlite");
  if (store !== "sqlite" && store !== "postgres") throw new Error(`--store must be sqlite or postgres, got "${store}"`);
  if (clustered && store !== "postgres") throw new Error("--nodes above 1 and --pg-delay need --store postgres: nodes share a PostgreSQL database");
  const nchanPublish = values["nchan-publish"];
  if (nchanPublish !== "multi" && nchanPublish !== "per-channel") throw new Error(`--nchan-publish must be multi or per-channel`);
  const nchanLongpoll = values["nchan-longpoll"];
  if (nchanLongpoll !== "multipart" && nchanLongpoll !== "single") throw new Error(`--nchan-longpoll must be multipart or single`);
  const sessions = positiveInt("sessions", values.sessions, smoke ? 2 : 20);
  const terminals = positiveInt("terminals", values.terminals, smoke ? 3 : 5);
  const topologies = values.topology
    ? values.topology.split(",").map((t) => {
        const m = /^(\d+)x(\d+)$/.exec(t.trim());
        if (!m) throw new Error(`--topology wants SxN[,SxN...], got "${t}"`);
        return { sessions: positiveInt("topology", m[1], 1), terminals: positiveInt("topology", m[2], 1) };
      })
    : [{ sessions, terminals }];
  const transports = values.transport.split(",").map((t) => t.trim());
  for (const t of transports) if (t !== "poll" && t !== "stream") throw new Error(`--transport must be poll, stream or poll,stream, got "${t}"`);
  return {
    scenarios,
    transports: transports as Array<"poll" | "stream">,
    topologies,
    rate: positiveInt("rate", values.rate, smoke ? 50 : 200),
    durationSeconds: positiveInt("duration", values.duration, smoke ? 1 : 10),
    inflight: positiveInt("inflight", values.inflight, smoke ? 4 : 64),
    idlePolls: Math.floor(positiveInt("idle-polls", values["idle-polls"], smoke ? 200 : 10_000)),
    connects: Math.floor(positiveInt("connects", values.connects, smoke ? 50 : 1000)),
    drainMs: positiveInt("drain", values.drain, smoke ? 3000 : 5000),
    smoke,
    vsNchan: vs.includes("nchan") || values.only === "nchan",
    vsNodeFloor: vs.includes("node-floor") || values.only === "node-floor",
    ...(values.only ? { only: values.only as TargetName } : {}),
    builds,
    repeat: Math.floor(positiveInt("repeat", values.repeat, 1)),
    phaseSampling: values["phase-sampling"] === "0" ? 0 : Math.floor(positiveInt("phase-sampling", values["phase-sampling"], 5)),
    nchanPublish,
    nchanLongpoll,
    quietWaitSeconds: values["quiet-wait"] === undefined ? 0 : positiveInt("quiet-wait", values["quiet-wait"], 0),
    store,
    pgSettings,
    nodeCounts,
    pgDelays,
    shops: Math.floor(positiveInt("shops", values.shops, 1)),
    ...(values.json ? { json: values.json } : {}),
    ...(values.profile ? { profileDir: values.profile } : {}),
  };
}
