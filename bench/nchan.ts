/** Nchan (nginx + libnginx-mod-nchan, one worker) as a benchmark target, for ratios. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChild, waitReady } from "./child.ts";
import { keepAliveAgent, send } from "./http.ts";
import { idleStream, streamAgent, streamSubscriber } from "./sse.ts";
import { childPids, freePort, openFileLimits, sleep } from "./proc.ts";
import type { BenchData, StartOptions, Subscriber, Target, Terminal } from "./target.ts";

const MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so";
/** Publish to several channels in one request: /pub/a,b,c with nchan_channel_id_split_delimiter. */
export type NchanPublish = "multi" | "per-channel";
/** Long-poll responses: every queued message at once (multipart/mixed), or one message per response. */
export type NchanLongpoll = "multipart" | "single";

export function nchanVersion(): string {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
    const out = execFileSync("dpkg-query", ["-W", "-f=${Version}", "libnginx-mod-nchan"], { encoding: "utf8" });
    return out.replace(/^\d+:/, "").replace(/\+.*$/, "");
  } catch {
    return "unknown";
  }
}

function config(dir: string, port: number, options: StartOptions, longpoll: NchanLongpoll): string {
  const fdLimit = Math.min(65536, openFileLimits().hard);
  const connections = Math.max(1024, fdLimit - 64);
  const buffer = 5000;
  return `worker_processes 1;
worker_rlimit_nofile ${fdLimit};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
load_module ${MODULE};
events { worker_connections ${connections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 600s;
  client_body_buffer_size 64k;
  nchan_max_reserved_memory 512M;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /healthz { return 200 "ok"; }
    location = /status { nchan_stub_status; }
    location ~ ^/pub/(.+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_channel_id_split_delimiter ",";
      nchan_message_buffer_length ${buffer};
      nchan_message_timeout 10m;
    }
    location ~ ^/es/(.+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
    }
    location ~ ^/sub/(.+)$ {
      nchan_subscriber longpoll;
      nchan_longpoll_multipart_response ${longpoll === "multipart" ? "on" : "off"};
      nchan_channel_id $1;
      nchan_subscriber_timeout ${Math.ceil(options.pollTimeout)}s;
    }
  }
}
`;
}

/** The message bodies of a long-poll response: one, or each part of a multipart/mixed response. */
export function messageBodies(body: string, contentType: string): string[] {
  const boundary = /^multipart\/mixed;.*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) return [body];
  const out: string[] = [];
  for (const part of body.split(`--${boundary}`).slice(1)) {
    if (part.startsWith("--")) break;
    const start = part.indexOf("\r\n\r\n");
    if (start < 0) continue;
    out.push(part.slice(start + 4, part.endsWith("\r\n") ? -2 : undefined));
  }
  return out;
}

export async function startNchan(publish: NchanPublish, longpoll: NchanLongpoll, options: StartOptions): Promise<Target> {
  if (!existsSync(MODULE)) throw new Error(`Nchan is not installed (${MODULE}): run bench/install-nchan.sh`);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "pos-sync-nchan-"));
  for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, "nginx.conf"), config(dir, port, options, longpoll));
  const child = startChild("nginx", ["-p", dir, "-e", join(dir, "error.log"), "-c", join(dir, "nginx.conf"), "-g", "daemon off;"], {
    cwd: dir,
    env: process.env,
  });
  const pub = keepAliveAgent(publish === "multi" ? options.maxPublish : Math.max(options.maxPublish, 256));
  const sub = keepAliveAgent(options.maxPolls + 16);
  const streams = streamAgent();
  await waitReady(child, async () => (await send({ agent: pub, port, method: "GET", path: "/healthz" })).status === 200, "nginx");
  // The master forks one worker: that is the process that serves and that we measure.
  let worker: number | undefined;
  for (let i = 0; i < 50 && worker === undefined; i++) {
    worker = childPids(child.pid)[0];
    if (worker === undefined) await sleep(100);
  }
  if (worker === undefined) {
    await child.stop();
    throw new Error("nginx worker process not found");
  }

  const channelId = (terminal: Terminal) => `t${terminal.id}`;
  const idleChannel = (i: number) => `idle${i}`;
  const publishTo = async (channels: string, body: string) => {
    const res = await send({ agent: pub, port, method: "POST", path: `/pub/${channels}`, body });
    if (res.status !== 201 && res.status !== 202) throw new Error(`nchan publish: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  };
  /** A long-poll subscriber that follows Nchan's Last-Modified / Etag cursor. */
  const longPoll = (path: string): ((signal: AbortSignal, onSent?: () => void) => Promise<string[]>) => {
    let lastModified: string | undefined;
    let etag: string | undefined;
    return async (signal, onSent) => {
      const headers: Record<string, string> = {};
      if (lastModified !== undefined) headers["if-modified-since"] = lastModified;
      if (etag !== undefined) headers["if-none-match"] = etag;
      const res = await send({ agent: sub, port, method: "GET", path, headers, signal, onSent });
      if (res.status !== 200) return []; // 304/408 on timeout: poll again with the same cursor
      lastModified = res.headers["last-modified"] ?? lastModified;
      etag = (res.headers.etag as string | undefined) ?? etag;
      return messageBodies(res.body, res.headers["content-type"] ?? "");
    };
  };

  return {
    name: "nchan",
    pid: worker,
    pids: [worker],
    port,
    publishMode: `${
      publish === "multi"
        ? "one multi-channel publish per broadcast (POST /pub/<ch1>,<ch2>,... via nchan_channel_id_split_delimiter)"
        : "one publish request per channel per broadcast"
    }; long-poll ${longpoll === "multipart" ? "multipart responses (every queued message at once)" : "one message per response"}`,
    async register() {
      // Nchan channels exist on first use.
    },
    subscriber(terminal): Subscriber {
      if (options.transport === "stream")
        return streamSubscriber(
          streams,
          port,
          (lastId) => ({ path: `/es/${channelId(terminal)}`, ...(lastId === undefined ? {} : { headers: { "Last-Event-ID": lastId } }) }),
          (data) => {
            const message = JSON.parse(data) as { action?: string; data?: BenchData };
            return message.action === "bench" ? message.data : undefined;
          },
        );
      const poll = longPoll(`/sub/${channelId(terminal)}`);
      return {
        async poll(signal, onSent) {
          const out: BenchData[] = [];
          for (const body of await poll(signal, onSent)) {
            const message = JSON.parse(body) as { action?: string; data?: BenchData };
            if (message.action === "bench" && message.data) out.push(message.data);
          }
          return out;
        },
      };
    },
    async warmPublishers(n) {
      await Promise.all(Array.from({ length: n }, () => send({ agent: pub, port, method: "GET", path: "/healthz" })));
    },
    async publish(_session, terminals, data) {
      // The same body our server relays, so both move the same bytes.
      const body = JSON.stringify({ action: "bench", data, session_id: 999_999, login_number: 1 });
      if (publish === "multi") await publishTo(terminals.map(channelId).join(","), body);
      else await Promise.all(terminals.map((terminal) => publishTo(channelId(terminal), body)));
    },
    async idlePoll(i, signal, onSent) {
      if (options.transport === "stream") return idleStream(streams, port, `/es/${idleChannel(i)}`, signal, onSent);
      return (await longPoll(`/sub/${idleChannel(i)}`)(signal, onSent)).length;
    },
    async probeIdle(i) {
      await publishTo(idleChannel(i), '"PONG"');
    },
    async stop() {
      sub.destroy();
      pub.destroy();
      streams.destroy();
      // nginx: SIGQUIT is graceful; held long polls would keep it up, so use SIGTERM (fast shutdown).
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
