import { RetryWait } from "./retry-wait.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { isRetryable, StoppedError } from "./errors.ts";

/** One unit of work; called again with the same closure on retry, so it must resend the same message. */
export type Task<T> = (signal: AbortSignal) => Promise<T>;

export interface RequestQueueOptions {
  backoff?: BackoffOptions;
  /** A request failed with a retryable error and will be sent again. */
  onFailing?(error: unknown): void;
  /** A request went through after failures. */
  onRecovered?(): void;
}

interface Entry {
  task: Task<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Runs requests strictly one at a time, retrying network failures until they go through or the queue is closed. */
export class RequestQueue {
  private readonly entries: Entry[] = [];
  private readonly backoff: Backoff;
  private running = false;
  private closed = false;
  private failing = false;
  private inFlight: AbortController | undefined;
  private readonly retryWait = new RetryWait();

  constructor(private readonly options: RequestQueueOptions = {}) {
    this.backoff = new Backoff(options.backoff);
  }

  get size(): number {
    return this.entries.length + (this.running ? 1 : 0);
  }

  get isFailing(): boolean {
    return this.failing;
  }

  /** `first` puts the task ahead of those waiting (never ahead of the one in flight). */
  push<T>(task: Task<T>, options: { first?: boolean } = {}): Promise<T> {
    if (this.closed) return Promise.reject(new StoppedError());
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { task, resolve: resolve as (value: unknown) => void, reject };
      if (options.first) this.entries.unshift(entry);
      else this.entries.push(entry);
      // Started on a microtask so the caller can record the promise before its task runs.
      queueMicrotask(() => void this.drain());
    });
  }

  /** Retry now instead of at the end of the backoff (the connection came back). */
  wake(): void {
    this.backoff.reset();
    this.retryWait.cutShort();
  }

  /** Rejects everything pending with StoppedError and aborts the request in flight. */
  close(): void {
    this.closed = true;
    this.inFlight?.abort(new StoppedError());
    this.retryWait.cutShort();
    for (const entry of this.entries.splice(0)) entry.reject(new StoppedError());
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let entry = this.entries.shift(); entry; entry = this.entries.shift()) {
        await this.run(entry);
      }
    } finally {
      this.running = false;
    }
  }

  private async run(entry: Entry): Promise<void> {
    for (;;) {
      if (this.closed) return entry.reject(new StoppedError());
      const controller = new AbortController();
      this.inFlight = controller;
      try {
        const value = await entry.task(controller.signal);
        this.inFlight = undefined;
        this.backoff.reset();
        if (this.failing) {
          this.failing = false;
          this.options.onRecovered?.();
        }
        return entry.resolve(value);
      } catch (error) {
        this.inFlight = undefined;
        if (this.closed) return entry.reject(new StoppedError());
        if (!isRetryable(error)) return entry.reject(error);
        this.failing = true;
        this.options.onFailing?.(error);
        await this.retryWait.wait(this.backoff.next());
      }
    }
  }
}
