import type { IncomingMessage, ServerResponse } from "node:http";
import { bodyTooLarge, readBody } from "./read-body.ts";
import type { Caller } from "./caller.ts";
import type { ReplySink } from "./route.ts";

/**
 * One request and its reply, as the door sees them, whichever entry it came by: Node's server
 * (NodeExchange) or a call handed over directly (DirectExchange). It is also the route's Caller:
 * one object per request, as it lives as long as each held poll.
 */
export interface Exchange extends Caller {
  readonly method: string;
  readonly url: string;
  /** Set by the door once the path is split: the /k/<key> prefix's key, or the bearer token. */
  key: string | undefined;
  /** The body as text; a 413 ProtocolError past `limit` bytes. */
  body(limit: number): Promise<string> | string;
  /** Whether the client is gone (no reply can be written). */
  readonly gone: boolean;
  /** Writes the whole reply. */
  send(status: number, headers: Readonly<Record<string, string | number>>, body: string | Buffer): void;
  /** Writes the status and headers; the body follows through the sink. */
  open(status: number, headers: Readonly<Record<string, string | number>>): ReplySink;
  /** Closes the connection without a reply. */
  destroy(): void;
}

export class NodeExchange implements Exchange {
  key: string | undefined = undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  get method(): string {
    return this.req.method ?? "GET";
  }

  get url(): string {
    return this.req.url ?? "/";
  }

  get clientAddress(): string {
    return this.req.socket.remoteAddress ?? "unknown";
  }

  get gone(): boolean {
    return this.res.destroyed;
  }

  header(name: string): string | undefined {
    return headerValue(this.req.headers[name.toLowerCase()]);
  }

  // "close" comes once; `once` would wrap each listener in a bound function and a state object.
  onClientGone(gone: () => void): void {
    this.res.on("close", gone);
  }

  offClientGone(gone: () => void): void {
    this.res.off("close", gone);
  }

  body(limit: number): Promise<string> {
    return readBody(this.req, limit);
  }

  send(status: number, headers: Readonly<Record<string, string | number>>, body: string | Buffer): void {
    this.res.writeHead(status, { ...headers, "Content-Length": Buffer.byteLength(body) });
    this.res.end(body);
  }

  open(status: number, headers: Readonly<Record<string, string | number>>): ReplySink {
    this.res.writeHead(status, headers);
    this.res.flushHeaders();
    return new ResponseSink(this.res);
  }

  destroy(): void {
    this.res.destroy();
  }
}

/** An open reply's body on Node's response; one object rather than a closure per method, as it lives as long as each open stream. */
class ResponseSink implements ReplySink {
  constructor(private readonly res: ServerResponse) {}

  write(chunk: string): void {
    this.res.write(chunk);
  }

  end(): void {
    this.res.end();
  }

  destroy(): void {
    this.res.destroy();
  }

  buffered(): number {
    return this.res.writableLength;
  }

  // "close" comes once (see onClientGone).
  onClose(closed: () => void): void {
    this.res.on("close", closed);
  }
}

/** What a directly handed request got back; `status` 0: the connection was dropped. */
export interface DirectResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request handed to the door directly (no socket): tests, embedding. Its client never goes away. */
export class DirectExchange implements Exchange {
  key: string | undefined = undefined;
  readonly clientAddress = "direct";
  readonly gone = false;
  /** Resolves once the reply is written or dropped. */
  readonly response: Promise<DirectResponse>;
  private resolve!: (response: DirectResponse) => void;
  private readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly method: string,
    readonly url: string,
    headers: Readonly<Record<string, string>>,
    private readonly text: string,
  ) {
    this.headers = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    this.response = new Promise((resolve) => (this.resolve = resolve));
  }

  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  onClientGone(): void {}

  offClientGone(): void {}

  body(limit: number): string {
    if (Buffer.byteLength(this.text) > limit) throw bodyTooLarge(limit);
    return this.text;
  }

  send(status: number, headers: Readonly<Record<string, string | number>>, body: string | Buffer): void {
    this.resolve({ status, headers: lowerCase(headers), body: body.toString() });
  }

  /** A stream handed over directly is answered once the route ends it. */
  open(status: number, headers: Readonly<Record<string, string | number>>): ReplySink {
    let body = "";
    const closed: (() => void)[] = [];
    return {
      write: (chunk) => void (body += chunk),
      end: () => {
        this.resolve({ status, headers: lowerCase(headers), body });
        for (const close of closed) close();
      },
      destroy: () => {
        this.resolve({ status, headers: lowerCase(headers), body });
        for (const close of closed) close();
      },
      buffered: () => 0,
      onClose: (close) => void closed.push(close),
    };
  }

  destroy(): void {
    this.resolve({ status: 0, headers: {}, body: "" });
  }
}

function lowerCase(headers: Readonly<Record<string, string | number>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]));
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
