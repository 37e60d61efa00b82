export type Step = "next" | "seen" | "gap";

/**
 * This terminal's view of its server-side message counter (`multiSessionMessageId`): every
 * broadcast to it carries the next value, so a skipped value means a lost notification.
 */
export class MessageSequence {
  private last: number | undefined;
  /** Values used up by our single-order syncs: no broadcast will ever carry them. */
  private readonly spent = new Set<number>();

  /** Undefined until the first full snapshot. */
  get current(): number | undefined {
    return this.last;
  }

  /** Where a broadcast's message_ID stands; "next" also moves the counter to it. */
  check(messageId: number): Step {
    this.skipSpent();
    const last = this.last ?? 0;
    if (messageId <= last) return "seen";
    if (messageId !== last + 1) return "gap";
    this.last = messageId;
    this.skipSpent();
    return "next";
  }

  /** A full snapshot stamped with this value includes everything sent to us up to it. */
  coveredUpTo(messageId: number): void {
    this.last = Math.max(this.last ?? 0, messageId);
    this.skipSpent();
  }

  /** A single-order sync moved the counter without telling us what came before it. */
  spend(messageId: number): void {
    this.spent.add(messageId);
    this.skipSpent();
  }

  private skipSpent(): void {
    if (this.last === undefined) return;
    while (this.spent.delete(this.last + 1)) this.last++;
    for (const id of this.spent) if (id <= this.last) this.spent.delete(id);
  }
}
