/** Top self-time functions of a V8 .cpuprofile (written by node --cpu-prof). */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  selfMs: number;
  percent: number;
  fn: string;
  where: string;
}

export function summarizeProfile(file: string, repoRoot: string, top = 20): ProfileEntry[] {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { micros: number; fn: string; where: string }>();
  let total = 0;
  profile.samples.forEach((id, k) => {
    const micros = profile.timeDeltas[k] ?? 0;
    const frame = byNode.get(id)?.callFrame;
    if (!frame) return;
    total += micros;
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, "").replace(`${repoRoot}/`, "")}:${frame.lineNumber + 1}` : "";
    const fn = frame.functionName || "(anonymous)";
    const key = `${fn}@${where}`;
    const entry = self.get(key) ?? { micros: 0, fn, where };
    entry.micros += micros;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, top)
    .map((e) => ({ selfMs: e.micros / 1000, percent: total > 0 ? (100 * e.micros) / total : 0, fn: e.fn, where: e.where }));
}

export function profileFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => join(dir, f));
}

/** The main-thread profile of process `pid` (node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile). */
export function mainThreadProfile(dir: string, pid: number): string | undefined {
  const mine = profileFiles(dir).filter((f) => f.includes(`.${pid}.`));
  return mine.find((f) => f.includes(`.${pid}.0.`)) ?? mine[0];
}

export function profileTable(entries: ProfileEntry[]): string {
  const rows = entries.map((e) => `| ${e.selfMs.toFixed(0)} | ${e.percent.toFixed(1)} % | \`${e.fn}\` | ${e.where} |`);
  return ["| self ms | self % | function | where |", "| ---: | ---: | --- | --- |", ...rows].join("\n");
}

/** Self time grouped by package (node_modules/<name>), our own dist/<dir>, node internals or native. */
export function summarizeByPackage(file: string, repoRoot: string, top = 10): ProfileEntry[] {
  const groups = new Map<string, number>();
  let total = 0;
  for (const e of summarizeProfile(file, repoRoot, Number.MAX_SAFE_INTEGER)) {
    total += e.selfMs;
    const where = e.where;
    const key = where.startsWith("node_modules/")
      ? where
          .split("/")
          .slice(0, where.startsWith("node_modules/@") ? 3 : 2)
          .join("/")
      : where.startsWith("dist/")
        ? where.split("/").slice(0, 2).join("/").replace(/:\d+$/, "")
        : where.startsWith("node:")
          ? "node internals"
          : e.fn.startsWith("(")
            ? e.fn
            : "native / other";
    groups.set(key, (groups.get(key) ?? 0) + e.selfMs);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, ms]) => ({ selfMs: ms, percent: total > 0 ? (100 * ms) / total : 0, fn: key, where: "" }));
}
