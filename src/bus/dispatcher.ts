import type { Notification } from "../db/contracts/notification-log.ts";

/** A waiting poll, as the dispatcher sees it. */
export interface Listener {
  /** Its notifications of one publish, in ascending id order; [] when every listener is released. */
  published(batch: Notification[]): void;
}

/**
 * Wakes waiting polls. Committed notifications are handed over as they are: a woken poll
 * answers from them without reading the database again.
 */
export class Dispatcher {
  /** A channel's only listener as itself: most channels have one poller, and a Set costs a held poll more. */
  private readonly listenersByChannel = new Map<string, Listener | Set<Listener>>();
  private readonly listeners = new Set<Listener>();

  /** Calls `listener` once per publish that has notifications on any of `channels`, until unsubscribed. */
  subscribe(channels: readonly string[], listener: Listener): void {
    this.listeners.add(listener);
    for (const channel of channels) {
      const current = this.listenersByChannel.get(channel);
      if (current === undefined) this.listenersByChannel.set(channel, listener);
      else if (current instanceof Set) current.add(listener);
      else if (current !== listener) this.listenersByChannel.set(channel, new Set([current, listener]));
    }
  }

  /** `channels` as subscribed. */
  unsubscribe(channels: readonly string[], listener: Listener): void {
    this.listeners.delete(listener);
    for (const channel of channels) {
      const current = this.listenersByChannel.get(channel);
      if (current === listener || (current instanceof Set && current.delete(listener) && current.size === 0)) this.listenersByChannel.delete(channel);
    }
  }

  /** `batch` is in ascending id order; each listener gets its own notifications in that order. */
  publish(batch: readonly Notification[]): void {
    if (batch.length === 1) {
      const only = batch[0]!;
      const listeners = this.listenersByChannel.get(only.channel);
      if (listeners instanceof Set) for (const listener of [...listeners]) listener.published([only]);
      else listeners?.published([only]);
      return;
    }
    const perListener = new Map<Listener, Notification[]>();
    for (const notification of batch) {
      const listeners = this.listenersByChannel.get(notification.channel);
      if (listeners instanceof Set) for (const listener of listeners) addTo(perListener, listener, notification);
      else if (listeners) addTo(perListener, listeners, notification);
    }
    for (const [listener, mine] of perListener) listener.published(mine);
  }

  /** Wakes every listener with nothing, as at shutdown. */
  releaseAll(): void {
    for (const listener of [...this.listeners]) listener.published([]);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

function addTo(perListener: Map<Listener, Notification[]>, listener: Listener, notification: Notification): void {
  const mine = perListener.get(listener);
  if (mine) mine.push(notification);
  else perListener.set(listener, [notification]);
}
