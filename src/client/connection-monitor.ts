export type ConnectionState = "online" | "waiting" | "offline";

export interface ConnectionMonitorOptions {
  /** Without any answer from the server for this long, send a PING (the original's max-silence timeout). */
  maxSilenceMs: number;
  /** A PING whose PONG has not arrived after this long means offline (the original's pong timeout). */
  pongTimeoutMs: number;
  sendPing(signal: AbortSignal): Promise<unknown>;
  onState(state: ConnectionState): void;
  /** The PONG never came: whatever request is held is probably stuck. */
  onUnreachable(): void;
  /** A PING went through while we were offline: worth polling again now rather than after the backoff. */
  onReachable(): void;
}

/**
 * The PING/PONG check of the original POS: online while the poll answers, a PING after a
 * silence, offline when the PONG does not come back in time or a request fails.
 * "waiting" is the original's orange: the server took our PING but the poll has not answered yet.
 */
export class ConnectionMonitor {
  private current: ConnectionState = "waiting";
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private pingAbort: AbortController | undefined;
  private running = false;

  constructor(private readonly options: ConnectionMonitorOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    this.running = true;
    this.setState("waiting");
    this.ping();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    this.pingAbort?.abort();
    this.pingAbort = undefined;
  }

  /** A poll answered (possibly carrying the PONG). */
  sawLife(): void {
    if (!this.running) return;
    this.clearTimers();
    this.pingAbort?.abort();
    this.setState("online");
    this.silenceTimer = setTimeout(() => this.ping(), this.options.maxSilenceMs);
  }

  /** A poll failed. */
  sawFailure(): void {
    if (!this.running) return;
    this.clearTimers();
    this.pingAbort?.abort();
    this.setState("offline");
  }

  /**
   * Sends a PING (the poll is about to be retried): its PONG wakes the retried poll at once,
   * instead of leaving the terminal offline until the poll times out on an idle server.
   */
  ping(): void {
    if (!this.running) return;
    this.clearTimers();
    this.pingAbort?.abort();
    const controller = new AbortController();
    this.pingAbort = controller;
    // Timed from the send, not from the PING's answer as in the original: a server that
    // holds every request must still show offline within max-silence + pong timeout.
    this.pongTimer = setTimeout(() => this.pongTimedOut(), this.options.pongTimeoutMs);
    this.options.sendPing(controller.signal).then(
      () => {
        if (controller.signal.aborted || !this.running) return;
        if (this.current === "offline") {
          this.setState("waiting");
          this.options.onReachable();
        }
      },
      () => {
        if (controller.signal.aborted || !this.running) return;
        this.clearTimers();
        this.sawFailure();
      },
    );
  }

  private pongTimedOut(): void {
    this.pongTimer = undefined;
    this.pingAbort?.abort();
    this.setState("offline");
    this.options.onUnreachable();
    this.silenceTimer = setTimeout(() => this.ping(), this.options.maxSilenceMs);
  }

  private clearTimers(): void {
    clearTimeout(this.silenceTimer);
    clearTimeout(this.pongTimer);
    this.silenceTimer = undefined;
    this.pongTimer = undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.options.onState(state);
  }
}
