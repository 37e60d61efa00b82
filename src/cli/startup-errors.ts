import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { settingSources, type Config } from "../config.ts";

interface SystemError extends Error {
  code?: string;
  syscall?: string;
  path?: string;
}

/**
 * Turns an error thrown while opening the database or listening into one line that names the
 * setting, its value and what to do; undefined when the error is not one of those.
 */
export function explainStartupError(error: unknown, config: Pick<Config, "db" | "host" | "port">): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code = "", syscall } = error as SystemError;
  if (syscall === "listen") return listenProblem(code, config);
  if (syscall === "getaddrinfo") {
    return `${setting("host", config.host)}: "${config.host}" does not resolve to an address of this machine (${code}); use an IP address such as 127.0.0.1 or 0.0.0.0, or a name in /etc/hosts`;
  }
  if (code.startsWith("SQLITE_") || syscall === "mkdir") return databaseProblem(error as SystemError, config.db);
  return undefined;
}

function listenProblem(code: string, { host, port }: Pick<Config, "host" | "port">): string {
  switch (code) {
    case "EADDRINUSE":
      return `${setting("port", port)}: port ${port} on ${host} is already in use (another pos-sync?); stop that process or choose another port`;
    case "EACCES":
      return `${setting("port", port)}: this user may not listen on port ${port} on ${host} (ports below 1024 need privileges); choose a port of 1024 or more`;
    case "EADDRNOTAVAIL":
      return `${setting("host", host)}: ${host} is not an address of this machine; use one of its addresses, 127.0.0.1, or 0.0.0.0 for all`;
    default:
      return `${setting("host", host)}, ${setting("port", port)}: cannot listen (${code}); check the address and port`;
  }
}

function databaseProblem(error: SystemError, db: string): string {
  const path = resolve(db);
  const shown = path === db ? db : `${db} (${path})`;
  const name = setting("db", shown);
  if (error.syscall === "mkdir" && (error.code === "EEXIST" || error.code === "ENOTDIR")) {
    return `${name}: cannot create its folder: ${error.path ?? dirname(path)} is a file, not a folder (${error.code}); point POS_SYNC_DB at a path inside a folder`;
  }
  if (error.syscall === "mkdir") {
    return `${name}: cannot create the folder ${error.path ?? dirname(path)} (${error.code}); create it by hand, or point POS_SYNC_DB at a writable folder`;
  }
  if (error.code === "SQLITE_NOTADB" || error.code === "SQLITE_CORRUPT") {
    return `${name}: the file is not a pos-sync SQLite database (${error.code}); point POS_SYNC_DB at a new file, or restore the database from a backup`;
  }
  if (isDirectory(path)) return `${name}: is a directory; point POS_SYNC_DB at a file inside it, e.g. ${resolve(path, "pos-sync.sqlite")}`;
  const folderProblem = unwritable(dirname(path));
  if (folderProblem === "EROFS" || error.code?.startsWith("SQLITE_READONLY")) {
    return `${name}: the folder ${dirname(path)} is on a read-only file system (${error.code}); point POS_SYNC_DB at a writable folder`;
  }
  if (folderProblem) {
    return `${name}: the folder ${dirname(path)} is not writable by this user (${folderProblem}); fix its owner or mode (the server also writes -wal and -shm files beside the database), or choose another folder`;
  }
  return `${name}: cannot open the database (${error.code}: ${error.message}); check that the file and its folder are writable by this user`;
}

function setting(name: keyof typeof settingSources, value: unknown): string {
  const [variable, flag] = settingSources[name];
  return `${variable}=${String(value)} (--${flag})`;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The error code that keeps this process from writing in `folder`, if any. */
function unwritable(folder: string): string | undefined {
  try {
    accessSync(folder, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as SystemError).code ?? "EACCES";
  }
}
