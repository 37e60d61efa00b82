import type { WireNotification } from "../../src/protocol/messages.ts";
import { SseParser } from "../../src/client/sse-parser.ts";

/** A Server-Sent Events reader over fetch, for tests: the notifications as they come, and the comments. */
export class StreamReader {
  readonly notifications: WireNotification[] = [];
  readonly ids: Array<string | undefined> = [];
  readonly parser = new SseParser();
  private readonly controller = new AbortController();
  private waiters: Array<() => void> = [];
  ended = false;
  status = 0;
  headers: Headers | undefined;
  /** The body of a refused stream (JSON). */
  refusal: unknown;

  static async open(url: string, headers: Record<string, string> = {}): Promise<StreamReader> {
    const reader = new StreamReader();
    await reader.connect(url, headers);
    return reader;
  }

  private async connect(url: string, headers: Record<string, string>): Promise<void> {
    const response = await fetch(url, { headers: { Accept: "text/event-stream", ...headers }, signal: this.controller.signal });
    this.status = response.status;
    this.headers = response.headers;
    if (response.status !== 200) {
      this.refusal = await response.json();
      this.ended = true;
      return;
    }
    void this.read(response.body!);
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      const chunks = body.getReader();
      for (;;) {
        const { done, value } = await chunks.read();
        if (done) break;
        for (const event of this.parser.push(decoder.decode(value, { stream: true }))) {
          this.ids.push(event.id);
          this.notifications.push(JSON.parse(event.data) as WireNotification);
        }
        this.notify();
      }
    } catch {
      // aborted by close()
    }
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once `check` holds after a chunk arrived (or at once), rejects after `timeoutMs`. */
  until(what: string, check: (reader: StreamReader) => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (got ${JSON.stringify(this.notifications)})`)),
        timeoutMs,
      );
      const test = (): void => {
        if (check(this)) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(test);
      };
      test();
    });
  }

  untilCount(count: number, timeoutMs?: number): Promise<void> {
    return this.until(`${count} notifications`, (reader) => reader.notifications.length >= count, timeoutMs);
  }

  close(): void {
    this.controller.abort();
  }
}

/** The stream URL of `channels`, with `last` when given. */
export function streamUrl(base: string, channels: unknown, last?: number | string): string {
  const query = `channels=${encodeURIComponent(typeof channels === "string" ? channels : JSON.stringify(channels))}`;
  return `${base}/longpolling/stream?${query}${last === undefined ? "" : `&last=${last}`}`;
}
