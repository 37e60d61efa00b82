import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import type { TestServer } from "../helpers/server.ts";
import { testServer } from "./helpers.ts";

const child = fileURLToPath(new URL("./fixtures/terminal-child.ts", import.meta.url));
let server: TestServer | undefined;
afterEach(() => server?.close(500));

test("after stop() a process using the library exits by itself, though a poll and a slow request were in flight", async () => {
  // A long poll timeout and slow delay: anything stop() left running would hold the process for 30 s.
  server = await testServer({ pollTimeout: 30, testFeatures: true, slowDelayMs: 30_000 });
  const proc = spawn(process.execPath, ["--import", "tsx", child, server.url], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let stoppedAt = 0;
  proc.stdout.on("data", () => {
    if (!stoppedAt && stdout.includes("stopped")) stoppedAt = Date.now();
  });
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`the child did not exit within 15 s; stdout: ${stdout} stderr: ${stderr}`));
    }, 15_000);
    proc.on("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  expect(stderr).toBe("");
  expect(exitCode).toBe(0);
  expect(stdout.trim()).toBe("stopped true true");
  expect(Date.now() - stoppedAt).toBeLessThan(2_000);
}, 20_000);
