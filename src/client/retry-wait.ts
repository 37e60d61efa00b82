/** A wait before the next retry that can be cut short (reconnected, stopped): one at a time. */
export class RetryWait {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private end: (() => void) | undefined;

  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.end = undefined;
        resolve();
      };
      this.end = done;
      this.timer = setTimeout(done, ms);
    });
  }

  /** Ends the current wait now, if there is one. */
  cutShort(): void {
    this.end?.();
  }
}
