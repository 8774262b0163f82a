/** One server-sent event as the stream gave it (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

/** Longest event (all its data lines) kept; a longer one means a broken or hostile stream. */
export const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * Parses a text/event-stream incrementally: feed it decoded chunks, it returns the events that
 * each chunk completed. Comment lines (`:` keep-alives) are skipped; `retry` is reported.
 * An event longer than {@link MAX_EVENT_CHARS} throws, and the caller drops the connection.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private dataChars = 0;
  private event = '';
  private id: string | undefined;
  /** The last event id seen, for `Last-Event-ID` on reconnect. */
  lastId: string | undefined;
  /** The server's `retry:` in ms, if it sent one. */
  retryMs: number | undefined;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    if (this.buffer.length > MAX_EVENT_CHARS) throw new Error(`an event-stream line is longer than ${MAX_EVENT_CHARS} characters`);
    const out: SseEvent[] = [];
    for (;;) {
      const nl = this.buffer.search(/\r\n|\r|\n/);
      if (nl < 0) break;
      // A lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk.
      if (this.buffer[nl] === '\r' && nl === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.dataChars += value.length + 1;
      if (this.dataChars > MAX_EVENT_CHARS) throw new Error(`an event is longer than ${MAX_EVENT_CHARS} characters`);
      this.data.push(value);
    } else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    if (this.id !== undefined) this.lastId = this.id;
    const ev = this.data.length > 0 ? { id: this.id, event: this.event || 'message', data: this.data.join('\n') } : undefined;
    this.data = [];
    this.dataChars = 0;
    this.event = '';
    this.id = undefined;
    return ev;
  }
}
