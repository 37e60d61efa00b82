import type { Notification } from "../db/store.ts";

export type Listener = (batch: Notification[]) => void;

/**
 * Wakes waiting polls. Committed notifications are handed over as they are: a woken poll
 * answers from them without reading the database again.
 */
export class Dispatcher {
  private readonly listenersByChannel = new Map<string, Set<Listener>>();
  private readonly listeners = new Set<Listener>();

  /** Calls `listener` once per publish that has notifications on any of `channels`. */
  subscribe(channels: readonly string[], listener: Listener): () => void {
    this.listeners.add(listener);
    for (const channel of channels) {
      let set = this.listenersByChannel.get(channel);
      if (!set) this.listenersByChannel.set(channel, (set = new Set()));
      set.add(listener);
    }
    return () => {
      this.listeners.delete(listener);
      for (const channel of channels) {
        const set = this.listenersByChannel.get(channel);
        if (set?.delete(listener) && set.size === 0) this.listenersByChannel.delete(channel);
      }
    };
  }

  /** `batch` is in ascending id order; each listener gets its own notifications in that order. */
  publish(batch: readonly Notification[]): void {
    if (batch.length === 1) {
      const only = batch[0]!;
      for (const listener of [...(this.listenersByChannel.get(only.channel) ?? [])]) listener([only]);
      return;
    }
    const perListener = new Map<Listener, Notification[]>();
    for (const notification of batch) {
      for (const listener of this.listenersByChannel.get(notification.channel) ?? []) {
        const mine = perListener.get(listener);
        if (mine) mine.push(notification);
        else perListener.set(listener, [notification]);
      }
    }
    for (const [listener, mine] of perListener) listener(mine);
  }

  /** Wakes every listener with nothing, as at shutdown. */
  releaseAll(): void {
    for (const listener of [...this.listeners]) listener([]);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
