import { statSync } from "node:fs";

/** A warning when the key file can be read by its group or by others: it holds every key. */
export function keyFileWarning(path: string | undefined): string | undefined {
  if (!path || process.platform === "win32") return undefined;
  const mode = statSync(path).mode & 0o777;
  const readers = [mode & 0o040 ? "its group" : "", mode & 0o004 ? "others" : ""].filter(Boolean);
  if (readers.length === 0) return undefined;
  return `the key file ${path} (POS_SYNC_KEY_FILE) is readable by ${readers.join(" and ")} (mode ${mode.toString(8).padStart(3, "0")}); run: chmod 600 ${path}`;
}
