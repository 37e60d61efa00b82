/**
 * Event-stream subscribers for --transport stream: ours and the Node floor (GET /longpolling/stream) and Nchan's
 * EventSource location, read with the client library's parser over node:http.
 */
import http from "node:http";
import { SseParser } from "../src/client/sse-parser.ts";
import type { BenchData, Subscriber } from "./target.ts";

export type Transport = "poll" | "stream";

/** One agent for every stream: each holds its socket for the whole run. */
export function streamAgent(): http.Agent {
  return new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
}

interface StreamHandlers {
  onData(data: string, id: string | undefined): void;
  onEnd(error: Error): void;
  onSent?: () => void;
}

/** Opens one event stream; `path(lastId)` gives its path, with the cursor for a reconnect. */
function openStream(agent: http.Agent, port: number, path: string, headers: Record<string, string>, signal: AbortSignal, handlers: StreamHandlers): void {
  const req = http.request({ host: "127.0.0.1", port, path, method: "GET", agent, headers: { Accept: "text/event-stream", ...headers }, signal }, (res) => {
    if (res.statusCode !== 200) {
      res.resume();
      handlers.onEnd(new Error(`stream ${path.split("?")[0]}: HTTP ${res.statusCode}`));
      return;
    }
    const parser = new SseParser();
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      for (const event of parser.push(chunk)) handlers.onData(event.data, event.id);
    });
    res.on("end", () => handlers.onEnd(new Error("the stream ended")));
    res.on("error", (error) => handlers.onEnd(error));
  });
  req.on("error", (error) => handlers.onEnd(error));
  if (handlers.onSent) req.on("finish", handlers.onSent);
  req.end();
}

/**
 * A Subscriber fed by one event stream, opened on its first poll and bound to that poll's
 * signal (the pool's, aborted at the end); poll() hands over what arrived since the last one.
 */
export function streamSubscriber(
  agent: http.Agent,
  port: number,
  path: (lastId: string | undefined) => { path: string; headers?: Record<string, string> },
  decode: (data: string) => BenchData | undefined,
): Subscriber {
  let queue: BenchData[] = [];
  let failure: Error | undefined;
  let open = false;
  let lastId: string | undefined;
  let wake: (() => void) | undefined;
  let bound = false;
  return {
    async poll(signal) {
      if (!open && !signal.aborted) {
        open = true;
        if (!bound) {
          bound = true;
          signal.addEventListener("abort", () => wake?.(), { once: true });
        }
        const { path: streamPath, headers = {} } = path(lastId);
        openStream(agent, port, streamPath, headers, signal, {
          onData(data, id) {
            lastId = id ?? lastId;
            const item = decode(data);
            if (item) queue.push(item);
            wake?.();
          },
          onEnd(error) {
            open = false;
            failure = error;
            wake?.();
          },
        });
      }
      while (queue.length === 0 && !failure && !signal.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (failure && queue.length === 0) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      const out = queue;
      queue = [];
      return out;
    },
  };
}

/** An idle stream: resolves with 1 once its first data event (the probe) arrives, then closes. */
export function idleStream(agent: http.Agent, port: number, path: string, signal: AbortSignal, onSent: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    let done = false;
    const finish = (result: number | Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener("abort", abort);
      controller.abort();
      if (typeof result === "number") resolve(result);
      else reject(result);
    };
    openStream(agent, port, path, {}, controller.signal, {
      onData: () => finish(1),
      onEnd: (error) => finish(error),
      onSent,
    });
  });
}
