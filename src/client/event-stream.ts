import { APPLICATION_ERROR } from "../protocol/application-error.ts";
import { HttpError, NetworkError, RpcError } from "./errors.ts";
import { type SseEvent, SseParser } from "./sse-parser.ts";

export interface EventStreamReading {
  /** Each chunk's completed events (maybe none: a heartbeat); called for every chunk, so it also marks life. */
  onEvents(events: SseEvent[]): void;
  /** Nothing at all (not even a heartbeat comment) for this long: the connection is taken for dead. */
  silenceMs: number;
  /** Aborts the read (and the request) from outside. */
  signal: AbortSignal;
}

/**
 * Reads an open event stream to its end. Resolves never: an ended stream is a NetworkError (the
 * server went away or restarts), as is a silence longer than `silenceMs`; an abort rejects with
 * the signal's reason.
 */
export async function readEventStream(response: Response, reading: EventStreamReading): Promise<never> {
  const body = response.body;
  if (!body) throw new NetworkError("the stream has no body");
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  let silent: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const armSilence = (): void => {
    clearTimeout(silent);
    silent = setTimeout(() => {
      timedOut = true;
      reader.cancel().catch(() => undefined);
    }, reading.silenceMs);
  };
  const onAbort = (): void => void reader.cancel().catch(() => undefined);
  reading.signal.addEventListener("abort", onAbort, { once: true });
  try {
    armSilence();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (reading.signal.aborted) throw reading.signal.reason;
        throw new NetworkError("the stream broke", { cause: error });
      }
      if (reading.signal.aborted) throw reading.signal.reason;
      if (timedOut) throw new NetworkError(`the stream was silent for ${reading.silenceMs} ms`);
      if (chunk.done) throw new NetworkError("the stream ended");
      armSilence();
      reading.onEvents(parser.push(decoder.decode(chunk.value, { stream: true })));
    }
  } finally {
    clearTimeout(silent);
    reading.signal.removeEventListener("abort", onAbort);
  }
}

/** What the stream route answers a refused stream with: its status and plain JSON body. */
const EXCEPTION_TYPES: Record<number, string> = { 400: "validation_error", 403: "access_denied", 429: "user_error" };

/**
 * A refused stream as the same RpcError a refused poll is (access_denied, validation_error...),
 * so callers handle one kind; anything else (a proxy's page, 404 of an older server) stays an HttpError.
 */
export function streamRefusal(status: number, body: string): RpcError | HttpError {
  const exceptionType = EXCEPTION_TYPES[status];
  let message: unknown;
  try {
    message = (JSON.parse(body) as { error?: unknown }).error;
  } catch {
    message = undefined;
  }
  if (!exceptionType || typeof message !== "string") return new HttpError(status, body);
  return new RpcError(APPLICATION_ERROR.code, APPLICATION_ERROR.message, { message, exception_type: exceptionType }, status);
}
