/** start() gave up: the server did not answer the first sync_all in time. The client is stopped. */
export class StartTimeoutError extends Error {
  override readonly name = "StartTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`the server did not answer within ${timeoutMs} ms; the client was stopped`);
  }
}

/** `work`, or a StartTimeoutError after `timeoutMs` (after which `giveUp` runs). */
export async function withStartTimeout<T>(work: Promise<T>, timeoutMs: number | undefined, giveUp: () => void): Promise<T> {
  if (timeoutMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StartTimeoutError(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, expired]);
  } catch (error) {
    if (error instanceof StartTimeoutError) {
      work.catch(() => {}); // stopping rejects it with StoppedError, which nobody awaits any more
      giveUp();
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
