/**
 * Runs tasks one after another. A task that finds the lock free starts at once, in the
 * caller's tick; the others wait for the tasks queued before them.
 */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const started = this.pending === 0 ? runNow(task) : this.tail.then(task);
    this.pending += 1;
    const done = started.finally(() => {
      this.pending -= 1;
    });
    this.tail = done.catch(() => undefined);
    return done;
  }
}

function runNow<T>(task: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(task());
  } catch (error) {
    return Promise.reject(error);
  }
}
