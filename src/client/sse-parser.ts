/** One Server-Sent Event: `id` is the last id field seen so far (the stream's cursor), `data` its data lines joined. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * The event-stream format of the HTML standard ("Interpreting an event stream"), fed text as it
 * arrives in chunks: fetch gives a Node client no EventSource, and a browser's EventSource
 * cannot send an Authorization header. Comments (heartbeats) are counted, not returned.
 */
export class SseParser {
  private partial = "";
  /** The previous chunk ended in "\r": a "\n" starting this one belongs to that line end. */
  private afterCr = false;
  private data: string[] = [];
  private event = "";
  private lastId: string | undefined;
  /** Comment lines seen (":" lines, the server's heartbeat). */
  comments = 0;

  /** The events completed by `chunk`, in order. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    if (this.afterCr && text.startsWith("\n")) text = text.slice(1);
    this.afterCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text.charCodeAt(i);
      if (char !== 10 && char !== 13) continue;
      const line = this.partial + text.slice(start, i);
      this.partial = "";
      if (char === 13) {
        if (i + 1 === text.length) this.afterCr = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.partial += text.slice(start);
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const data = this.data;
    const event = this.event;
    this.data = [];
    this.event = "";
    if (data.length === 0) return undefined;
    return { id: this.lastId, event: event || "message", data: data.join("\n") };
  }
}
