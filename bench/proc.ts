/** Reading a process's CPU time and memory from /proc, and small process helpers. */
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import net from "node:net";

let clockTicks: number | undefined;

/** Kernel clock ticks per second (utime/stime unit), usually 100. */
export function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** utime and stime of a process in microseconds (resolution one clock tick). */
export function cpuTimes(pid: number): { userMicros: number; kernelMicros: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at field 3 (state).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const tick = 1e6 / ticksPerSecond();
  return { userMicros: Number(fields[11]) * tick, kernelMicros: Number(fields[12]) * tick };
}

/** utime + stime of a process in microseconds. */
export function cpuMicros(pid: number): number {
  const { userMicros, kernelMicros } = cpuTimes(pid);
  return userMicros + kernelMicros;
}

/** Resident set size (VmRSS) of a process in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** The soft and hard limit on open files of a process. */
export function openFileLimits(pid: number | "self" = "self"): { soft: number; hard: number } {
  const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const parse = (value: string | undefined) => (value === "unlimited" ? Number.MAX_SAFE_INTEGER : Number(value));
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}

/** Direct children of a process (from /proc/<pid>/stat of every process). */
export function childPids(parent: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) children.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return children;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Busy CPU time of the whole machine (all CPUs, /proc/stat: everything but idle and iowait), µs. */
export function machineBusyMicros(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1e6) / ticksPerSecond();
}

/** Sample a process's CPU, this process's CPU and the machine's together. */
export interface CpuSample {
  at: number;
  serverMicros: number;
  /** Of serverMicros, the part spent in the kernel (system calls: sockets, file writes). */
  serverKernelMicros: number;
  /** Every PostgreSQL process of the machine (backends, WAL writer, ...): the store's own CPU with --store postgres. */
  postgresMicros: number;
  loadMicros: number;
  machineMicros: number;
}

/** CPU of every process named postgres, µs. */
function postgresMicros(): number {
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (!stat.includes("(postgres)")) continue;
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond();
    } catch {
      // the process exited while we looked
    }
  }
  return total;
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  const own = process.cpuUsage();
  const server = pids.map(cpuTimes);
  const kernelMicros = server.reduce((sum, times) => sum + times.kernelMicros, 0);
  return {
    at: performance.now(),
    serverMicros: server.reduce((sum, times) => sum + times.userMicros, kernelMicros),
    serverKernelMicros: kernelMicros,
    postgresMicros: postgresMicros(),
    loadMicros: own.user + own.system,
    machineMicros: machineBusyMicros(),
  };
}

export interface CpuDelta {
  seconds: number;
  serverMicros: number;
  serverKernelMicros: number;
  postgresMicros: number;
  loadMicros: number;
  /** Fraction of one core. */
  serverCore: number;
  loadCore: number;
  /** Everything else the machine ran meanwhile (other processes, steal), fraction of one core: noise. */
  otherCore: number;
}

export function cpuDelta(from: CpuSample, to: CpuSample): CpuDelta {
  const seconds = (to.at - from.at) / 1000;
  const serverMicros = to.serverMicros - from.serverMicros;
  const loadMicros = to.loadMicros - from.loadMicros;
  return {
    seconds,
    serverMicros,
    serverKernelMicros: to.serverKernelMicros - from.serverKernelMicros,
    postgresMicros: to.postgresMicros - from.postgresMicros,
    loadMicros,
    serverCore: seconds > 0 ? serverMicros / 1e6 / seconds : 0,
    loadCore: seconds > 0 ? loadMicros / 1e6 / seconds : 0,
    otherCore:
      seconds > 0
        ? Math.max(0, to.machineMicros - from.machineMicros - serverMicros - loadMicros - (to.postgresMicros - from.postgresMicros)) / 1e6 / seconds
        : 0,
  };
}

/**
 * Wait until the machine is quiet: under `maxCore` of a core busy over one second, checked for at
 * most `timeoutMs`. Returns the last busy fraction seen.
 */
export async function waitQuiet(maxCore: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let busy = Infinity;
  while (performance.now() < deadline) {
    const before = machineBusyMicros();
    await sleep(1000);
    busy = (machineBusyMicros() - before) / 1e6;
    if (busy <= maxCore) break;
  }
  return busy;
}
