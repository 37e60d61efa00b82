import type { OrderData } from "../protocol/messages.ts";

/** A terminal's copy of one order. */
export interface LocalOrder {
  uid: string;
  data: OrderData;
  revisionId: number;
}

interface Entry extends LocalOrder {
  /** The server has stored this order at least once (it came from it, or it accepted our update). */
  onServer: boolean;
  /** Removed on this terminal, removal not yet confirmed: hidden, but its revision is still needed. */
  removing: boolean;
  /** Nonce of our last update_order for it, to recognise our own write when the server hands it back. */
  ownNonce?: string;
}

export type ApplyOutcome = "applied" | "own" | "stale";

/** Server-side per-terminal stamp; leaving it out lets terminals' copies be compared as they are. */
function withoutMessageId(data: OrderData): OrderData {
  const { message_ID: _messageId, ...rest } = data;
  return rest as OrderData;
}

/** The local map uid -> order, and the rules for merging what the server sends into it. */
export class OrderBook {
  private readonly entries = new Map<string, Entry>();
  /** Orders the server deleted: a copy of one arriving late (a uid sync raced the bus) must not bring it back. */
  private readonly deleted = new Set<string>();

  /** The orders as the terminal shows them (those being removed are left out). */
  snapshot(): Map<string, LocalOrder> {
    const out = new Map<string, LocalOrder>();
    for (const entry of this.entries.values()) {
      if (!entry.removing) out.set(entry.uid, { uid: entry.uid, data: entry.data, revisionId: entry.revisionId });
    }
    return out;
  }

  get(uid: string): LocalOrder | undefined {
    const entry = this.entries.get(uid);
    return entry && !entry.removing ? { uid, data: entry.data, revisionId: entry.revisionId } : undefined;
  }

  entry(uid: string): Readonly<Entry> | undefined {
    return this.entries.get(uid);
  }

  uids(): string[] {
    return [...this.entries.keys()];
  }

  /** A local edit: the data is ours until the server says otherwise. */
  edit(data: OrderData): void {
    const entry = this.entries.get(data.uid);
    if (entry) entry.data = { ...data };
    else this.entries.set(data.uid, { uid: data.uid, data: { ...data }, revisionId: 1, onServer: false, removing: false });
  }

  markRemoving(uid: string, removing: boolean): void {
    const entry = this.entries.get(uid);
    if (entry) entry.removing = removing;
  }

  /** The order is gone here (closed elsewhere, or dropped by a sync) but may come back from the server. */
  delete(uid: string): boolean {
    return this.entries.delete(uid);
  }

  /** The server confirmed the order deleted: it never comes back. */
  deleteForGood(uid: string): boolean {
    this.deleted.add(uid);
    return this.entries.delete(uid);
  }

  noteSent(uid: string, nonce: string): void {
    const entry = this.entries.get(uid);
    if (entry) entry.ownNonce = nonce;
  }

  /** The server accepted our update_order. */
  accepted(uid: string, revisionId: number, sequenceNumber: number | undefined): void {
    const entry = this.entries.get(uid);
    if (!entry) return;
    entry.revisionId = Math.max(entry.revisionId, revisionId);
    entry.onServer = true;
    if (sequenceNumber) entry.data.sequence_number = sequenceNumber;
  }

  /** Our own update came back over the bus: the server holds it at this revision. */
  ownRevision(uid: string, revisionId: number): void {
    const entry = this.entries.get(uid);
    if (!entry || !Number.isSafeInteger(revisionId)) return;
    entry.revisionId = Math.max(entry.revisionId, revisionId);
    entry.onServer = true;
  }

  /**
   * A copy from the server (broadcast or sync). Older revisions than ours are dropped: the bus
   * can deliver a broadcast after the HTTP reply of a later update. Our own write coming back
   * only moves the revision, so a local edit made since is not overwritten.
   */
  apply(data: OrderData): ApplyOutcome {
    const revisionId = data.revision_ID ?? 1;
    const entry = this.entries.get(data.uid);
    if (this.deleted.has(data.uid) || (entry && revisionId < entry.revisionId)) return "stale";
    if (entry?.ownNonce !== undefined && data.nonce === entry.ownNonce) {
      entry.revisionId = revisionId;
      entry.onServer = true;
      return "own";
    }
    if (entry) {
      entry.data = withoutMessageId(data);
      entry.revisionId = revisionId;
      entry.onServer = true;
    } else {
      this.entries.set(data.uid, { uid: data.uid, data: withoutMessageId(data), revisionId, onServer: true, removing: false });
    }
    return "applied";
  }
}
