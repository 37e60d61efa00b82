/**
 * npm run bench -- [flags]: fan-out latency, saturation and idle polls against our server,
 * and with --vs nchan against Nchan in the same run. Flags: see bench/args.ts (--help).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, usage, type BenchArgs, type Scenario } from "./args.ts";
import { runFanout } from "./load/fanout.ts";
import { runIdle } from "./load/idle.ts";
import { runSaturation } from "./load/saturation.ts";
import { nchanVersion, startNchan } from "./nchan.ts";
import { openFileLimits, waitQuiet } from "./proc.ts";
import { mainThreadProfile, profileTable, summarizeByPackage, summarizeProfile } from "./profile.ts";
import { startNodeFloor } from "./node-floor.ts";
import { phaseTable, readPhases } from "./phases.ts";
import { label, markdown } from "./report.ts";
import { isOurs, type RunResult, type ScenarioResult, type TargetName } from "./results.ts";
import { startOurs } from "./server.ts";
import type { StartOptions, Target } from "./target.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** The load generator holds one socket per poll: raise our own fd limit by re-executing under `ulimit -n`. */
function ensureFdLimit(args: BenchArgs): BenchArgs {
  const needed = args.idlePolls + 2048;
  const { soft, hard } = openFileLimits();
  if (soft >= needed) return args;
  if (hard >= needed && process.env.POS_SYNC_BENCH_REEXEC !== "1") {
    log(`open file limit ${soft} < ${needed}: re-running under ulimit -n ${needed}`);
    const argv = [process.execPath, ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)];
    const child = spawnSync("sh", ["-c", `ulimit -n ${needed} && exec "$@"`, "sh", ...argv], {
      stdio: "inherit",
      env: { ...process.env, POS_SYNC_BENCH_REEXEC: "1" },
    });
    process.exit(child.status ?? 1);
  }
  const idlePolls = Math.max(1, Math.min(args.idlePolls, soft - 2048));
  log(`open file limit ${soft} (hard ${hard}): idle polls capped at ${idlePolls}`);
  return { ...args, idlePolls };
}

/** What makes a result a failure: any loss, duplicate or error. */
function problems(r: ScenarioResult): string[] {
  const out: string[] = [];
  if (r.scenario === "idle") {
    if (r.sent < r.polls) out.push(`only ${r.sent} of ${r.polls} idle polls sent`);
    if (r.returnedEarly) out.push(`${r.returnedEarly} idle polls returned before their probe`);
    if (r.pollErrors) out.push(`${r.pollErrors} idle polls failed (${r.lastPollError})`);
    if (r.probesDelivered < r.probes) out.push(`${r.probes - r.probesDelivered} of ${r.probes} idle probes not delivered`);
  } else {
    if (r.lost) out.push(`${r.lost} of ${r.expected} notifications lost`);
    if (r.duplicates) out.push(`${r.duplicates} duplicate notifications`);
    if (r.publishErrors) out.push(`${r.publishErrors} publish errors (${r.lastPublishError})`);
    if (r.subscriberErrors) out.push(`${r.subscriberErrors} poll errors (${r.lastSubscriberError})`);
    if (r.connectErrors) out.push(`${r.connectErrors} of ${r.connects} first polls failed (${r.lastConnectError})`);
  }
  return out;
}

function oneLine(r: ScenarioResult): string {
  if (r.scenario === "idle") return `${(r.bytesPerHeldPoll / 1024).toFixed(2)} KB per held poll, ${r.probesDelivered}/${r.probes} probes`;
  const core = `${r.delivered}/${r.expected} delivered, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`;
  const storm = r.firstPollMs ? `, ${r.connects} first polls p50 ${r.firstPollMs.p50.toFixed(2)} ms, p99 ${r.firstPollMs.p99.toFixed(2)} ms` : "";
  return `${core}, ${r.deliveredPerSecond.toFixed(0)}/s, ${r.serverMicrosPerNotification.toFixed(1)} µs server CPU per notification, load generator ${(100 * r.cpu.loadCore).toFixed(0)} % of a core${storm}`;
}

async function start(name: TargetName, args: BenchArgs, options: StartOptions): Promise<Target> {
  if (name === "ours") return startOurs(repoRoot, options);
  if (name.startsWith("ours@")) return startOurs(checkoutOf(name, args), options, name);
  if (name === "node-floor") return startNodeFloor(repoRoot, options);
  return startNchan(args.nchanPublish, args.nchanLongpoll, options);
}

/**
 * With several node counts or PostgreSQL delays, each of ours is measured once per combination,
 * as its own column: ours@2n-local, ours@base-2n-1ms, ...
 */
function clusterVariants(name: TargetName, args: BenchArgs): TargetName[] {
  const several = args.nodeCounts.length > 1 || args.pgDelays.length > 1 || args.pgDelays.some((d) => d > 0);
  if (!isOurs(name) || !several) return [name];
  const prefix = name === "ours" ? "ours@" : `${name}-`;
  return args.nodeCounts.flatMap((n) => args.pgDelays.map((d) => `${prefix}${n}n-${d > 0 ? `${d}ms` : "local"}` as TargetName));
}

const VARIANT = /^ours@(?:(.+)-)?(\d+)n-(?:local|([\d.]+)ms)$/;

/** The nodes and PostgreSQL delay a target of ours runs with. */
function clusterOf(name: TargetName, args: BenchArgs): { nodes: number; pgDelayMs: number; build?: string } {
  const m = VARIANT.exec(name);
  if (!m) return { nodes: args.nodeCounts[0]!, pgDelayMs: args.pgDelays[0]!, ...(name.startsWith("ours@") ? { build: name.slice(5) } : {}) };
  return { nodes: Number(m[2]), pgDelayMs: m[3] === undefined ? 0 : Number(m[3]), ...(m[1] === undefined ? {} : { build: m[1] }) };
}

/** The checkout whose dist/ a target of ours runs. */
function checkoutOf(name: TargetName, args: BenchArgs): string {
  const buildName = clusterOf(name, args).build;
  const build = args.builds.find((b) => b.name === buildName);
  return build ? resolve(build.dir) : repoRoot;
}

/** Phase tables are per target and scenario; ours keeps the bare scenario label. */
function phaseKey(name: TargetName, scenarioLabel: string): string {
  return name === "ours" ? scenarioLabel : `${name}, ${scenarioLabel}`;
}

async function runOne(scenario: Scenario, target: Target, args: BenchArgs, sessions: number, terminals: number): Promise<ScenarioResult> {
  if (scenario === "fanout") return runFanout(target, { sessions, terminals, rate: args.rate, durationSeconds: args.durationSeconds, drainMs: args.drainMs });
  if (scenario === "saturation" || scenario === "connect")
    return runSaturation(target, {
      sessions,
      terminals,
      inflight: args.inflight,
      durationSeconds: args.durationSeconds,
      drainMs: args.drainMs,
      ...(scenario === "connect" ? { connects: args.connects } : {}),
    });
  return runIdle(target, { polls: args.idlePolls, openConcurrency: 256, probes: Math.min(50, args.idlePolls) });
}

async function main(): Promise<number> {
  let parsed: BenchArgs | "help";
  try {
    parsed = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if (parsed === "help") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const args = ensureFdLimit(parsed);
  const cpus = os.cpus();
  const run: RunResult = {
    startedAt: new Date().toISOString(),
    host: { cpus: cpus.length, model: cpus[0]?.model ?? "unknown", node: process.versions.node, kernel: os.release(), loadAverage1m: os.loadavg()[0] ?? 0 },
    ...(args.vsNchan ? { nchanVersion: nchanVersion() } : {}),
    args: { ...args },
    results: [],
    failures: [],
  };
  let oursFailed = false;
  let checks = 0;
  const targets: TargetName[] = (
    args.only
      ? [args.only]
      : [
          ...args.builds.map((b) => `ours@${b.name}` as const),
          "ours" as const,
          ...(args.vsNodeFloor ? ["node-floor" as const] : []),
          ...(args.vsNchan ? ["nchan" as const] : []),
        ]
  ).flatMap((name) => clusterVariants(name, args));
  const phaseDir = mkdtempSync(join(os.tmpdir(), "pos-sync-phases-"));
  const phaseFiles = new Map<string, string[]>();
  for (let round = 1; round <= args.repeat; round++) {
    for (const transport of args.transports) {
      for (const scenario of args.scenarios) {
        for (const { sessions, terminals } of scenario === "idle" ? [{ sessions: 0, terminals: 0 }] : args.topologies) {
          for (const name of targets) {
            // Nchan's subscriber has no first poll that looks back: no connect storm for it; a stream has no first poll.
            if (scenario === "connect" && (name === "nchan" || transport === "stream")) continue;
            const settings = Object.entries(args.pgSettings).map(([setting, value]) => `, ${setting}=${value}`);
            const cluster = clusterOf(name, args);
            const where =
              isOurs(name) && args.store !== "sqlite"
                ? ` (${args.store}, ${cluster.nodes} node${cluster.nodes > 1 ? "s" : ""}${cluster.pgDelayMs > 0 ? `, ${cluster.pgDelayMs} ms away` : ""}${args.shops > 1 ? `, ${args.shops} shops` : ""}${settings.join("")})`
                : "";
            const what = `${args.repeat > 1 ? `round ${round}: ` : ""}${name}${where} ${transport === "stream" ? "stream " : ""}${scenario}${scenario === "idle" ? ` ${args.idlePolls}` : ` ${sessions}x${terminals}`}`;
            const profiling = (isOurs(name) || name === "node-floor") && scenario !== "idle" && args.profileDir !== undefined;
            const streamKey = transport === "stream" ? "stream " : "";
            const phaseFile =
              isOurs(name) && scenario === "fanout" && args.phaseSampling > 0
                ? join(phaseDir, `${name}-${transport}-${sessions}x${terminals}-${round}.json`)
                : undefined;
            const options: StartOptions = {
              // Idle polls must stay held while 10,000 of them are opened and measured.
              pollTimeout: scenario === "idle" ? 600 : 50,
              maxPolls: scenario === "idle" ? args.idlePolls + 300 : sessions * terminals + (scenario === "connect" ? args.connects : 0),
              maxPublish: Math.max(64, args.inflight),
              store: args.store,
              nodes: cluster.nodes,
              pgDelayMs: cluster.pgDelayMs,
              shops: args.shops,
              pgSettings: args.pgSettings,
              transport,
              ...(profiling ? { nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${resolve(args.profileDir!)}`] } : {}),
              ...(phaseFile ? { env: { POS_SYNC_PHASE_SAMPLING: String(args.phaseSampling), POS_SYNC_PHASE_FILE: phaseFile } } : {}),
            };
            if (args.quietWaitSeconds > 0) {
              const busy = await waitQuiet(0.1, args.quietWaitSeconds * 1000);
              if (busy > 0.1) log(`${what}: machine still busy (${(100 * busy).toFixed(0)} % of a core), going on`);
            }
            log(`${what}: starting`);
            checks++;
            let target: Target | undefined;
            let pid: number | undefined;
            try {
              target = await start(name, args, options);
              pid = target.pid;
              const result = await runOne(scenario, target, args, sessions, terminals);
              if (transport === "stream") result.transport = "stream";
              run.results.push(result);
              log(`${what}: ${oneLine(result)}`);
              for (const problem of problems(result)) {
                run.failures.push(`${what}: ${problem}`);
                if (isOurs(name)) oursFailed = true;
              }
            } catch (error) {
              run.failures.push(`${what}: ${(error as Error).message.split("\n")[0]}`);
              log(`${what}: FAILED ${(error as Error).message}`);
              if (isOurs(name)) oursFailed = true;
            } finally {
              await target?.stop();
            }
            const fanout = run.results.find(
              (r) =>
                r.target === name &&
                r.scenario === "fanout" &&
                r.transport === (transport === "stream" ? "stream" : undefined) &&
                r.sessions === sessions &&
                r.terminals === terminals,
            );
            if (phaseFile && fanout) {
              const key = phaseKey(name, label(fanout));
              if (existsSync(phaseFile)) phaseFiles.set(key, [...(phaseFiles.get(key) ?? []), phaseFile]);
              else log(`${what}: no phase samples written (${phaseFile})`);
            }
            if (profiling) {
              const file = pid === undefined ? undefined : mainThreadProfile(resolve(args.profileDir!), pid);
              if (file)
                (run.profiles ??= {})[`${name}${where}, ${streamKey}${scenario} ${sessions}x${terminals}`] = {
                  file,
                  top: summarizeProfile(file, checkoutOf(name, args)),
                  byPackage: summarizeByPackage(file, checkoutOf(name, args)),
                };
            }
          }
        }
      }
    }
  }
  for (const [name, files] of phaseFiles) (run.phases ??= {})[name] = readPhases(files);
  rmSync(phaseDir, { recursive: true, force: true });
  let report = markdown(run);
  for (const [key, phases] of Object.entries(run.phases ?? {})) {
    const fanout = run.results.find((r) => phaseKey(r.target, label(r)) === key);
    report += `\n${phaseTable(key, phases, fanout && fanout.scenario !== "idle" ? fanout : undefined)}\n`;
  }
  for (const [name, profile] of Object.entries(run.profiles ?? {})) {
    report += `\n${name} (main thread, whole process life: start-up and drain included), top self time (${profile.file}):\n\n${profileTable(profile.top)}\n`;
    report += `\nSelf time by package:\n\n${profileTable(profile.byPackage)}\n`;
  }
  process.stdout.write(`\n${report}`);
  const dir = join(repoRoot, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, "-");
  const json = `${JSON.stringify(run, null, 2)}\n`;
  writeFileSync(join(dir, `${stamp}.json`), json);
  writeFileSync(join(dir, `${stamp}.md`), report);
  if (args.json) writeFileSync(resolve(args.json), json);
  log(`results in bench/results/${stamp}.{json,md}${args.json ? ` and ${args.json}` : ""}`);
  if (oursFailed) log(`FAILED: ${run.failures.join("; ")}`);
  if (args.smoke) {
    // One check per scenario and target, in the plain form CI logs understand.
    const failed = new Set(run.failures.map((f) => f.split(":")[0]));
    process.stdout.write(`bench: ${checks - failed.size} passed, ${failed.size} failed\n`);
  }
  return oursFailed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
