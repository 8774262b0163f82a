import type { ServerResponse } from 'node:http';
import { decode, errorMessage, steeringEventSchema, type Keys, type StreamName, type RedisClient } from '@awo/shared';
import type { ApiDeps } from './context.js';

/** The events `GET /api/v1/events` sends: from the bus streams, and from the steering stream (overrides, proposals, rollbacks). */
export const EVENT_TYPES = ['revision', 'action', 'action-result', 'insight', 'override', 'proposal', 'rollback'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const BUS: Partial<Record<EventType, StreamName>> = { revision: 'revisions', action: 'actions', 'action-result': 'results', insight: 'insights' };
const BUS_TYPES = Object.keys(BUS) as EventType[];

/** A stream the hub follows: its key, and how one entry becomes an event (undefined: it fails its schema). */
interface Source {
  key: string;
  parse(fields: string[]): { type: EventType; data: unknown } | undefined;
}

function sources(keys: Keys): Source[] {
  const bus = BUS_TYPES.map((type): Source => {
    const stream = BUS[type] as StreamName;
    return {
      key: keys.stream(stream),
      parse: (fields) => {
        const d = decode(stream, fields);
        return d.ok ? { type, data: { [type === 'action-result' ? 'result' : type]: d.message } } : undefined;
      },
    };
  });
  const steering: Source = {
    key: keys.steering,
    parse: (fields) => {
      const at = fields.indexOf('e');
      if (at < 0 || at % 2 !== 0) return undefined;
      try {
        const e = steeringEventSchema.safeParse(JSON.parse(fields[at + 1] as string));
        return e.success ? { type: e.data.type, data: { [e.data.type]: e.data.item, at: e.data.at } } : undefined;
      } catch {
        return undefined;
      }
    },
  };
  return [...bus, steering];
}

/** Entries read per stream per round. */
const READ_COUNT = 200;
/** How long one blocking read waits; bounds how long close() waits for the loop. */
const BLOCK_MS = 2000;

interface Client {
  res: ServerResponse;
  types: ReadonlySet<EventType>;
  /** Bytes written but not yet flushed to the socket, in events (bounded by api.events.maxBuffered). */
  backlog: number;
}

/**
 * Server-sent events: one reader follows the revisions, actions, results, insights and steering streams
 * from the moment the first client connects (XREAD BLOCK on its own connection), validates each
 * entry against its schema, and writes it to every client that asked for its type. Clients are
 * bounded (`api.events.maxClients`; one more is refused with 503), a client that falls
 * `maxBuffered` events behind is dropped (counted), and a heartbeat comment keeps idle streams alive.
 */
export class EventHub {
  readonly #clients = new Set<Client>();
  readonly counts = { sent: 0, dropped: 0, refused: 0, invalid: 0 };
  #conn: RedisClient | undefined;
  #loop: Promise<void> | undefined;
  #ready: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  /** Where each stream is read from next (its last id when the first client came, then the last id read). */
  readonly #cursors = new Map<string, string>();
  readonly #sources: Source[];

  constructor(private readonly deps: ApiDeps) {
    this.#sources = sources(deps.keys);
  }

  get clients(): number {
    return this.#clients.size;
  }

  /**
   * Takes a client (its response's headers not yet sent); false when the hub is full or closed.
   * The headers go out once the reader knows where every stream is, so any entry added after a
   * client saw them reaches it.
   */
  async add(res: ServerResponse, types: ReadonlySet<EventType>): Promise<boolean> {
    const { maxClients, heartbeat } = this.deps.config.api.events;
    if (this.#closed || this.#clients.size >= maxClients) {
      this.counts.refused++;
      return false;
    }
    this.#ready ??= this.#pin().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    await this.#ready;
    if (this.#closed) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(`retry: 3000\n: awo events: ${[...types].join(', ')}\n\n`);
    const client: Client = { res, types, backlog: 0 };
    this.#clients.add(client);
    res.on('close', () => this.#clients.delete(client));
    res.on('drain', () => (client.backlog = 0));
    this.#heartbeat ??= setInterval(() => this.#broadcast(`: heartbeat ${Date.now()}\n\n`), heartbeat);
    this.#heartbeat.unref();
    this.#loop ??= this.#run();
    return true;
  }

  #broadcast(text: string, type?: EventType): void {
    const { maxBuffered } = this.deps.config.api.events;
    for (const c of this.#clients) {
      if (type && !c.types.has(type)) continue;
      if (c.res.write(text)) continue;
      if (++c.backlog > maxBuffered) {
        this.counts.dropped++;
        this.#clients.delete(c);
        c.res.destroy();
      }
    }
    if (type) this.counts.sent++;
  }

  async #run(): Promise<void> {
    this.#conn = this.deps.connect('events', { blocking: true });
    const keys = this.#sources.map((x) => x.key);
    while (!this.#closed) {
      try {
        const ids = keys.map((k) => this.#cursors.get(k) ?? '0-0');
        const reply = (await this.#conn.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as [string, [string, string[]][]][] | null;
        if (!reply) continue;
        for (const [key, entries] of reply) {
          const source = this.#sources[keys.indexOf(key)] as Source;
          for (const [id, fields] of entries) {
            this.#cursors.set(key, id);
            const event = source.parse(fields);
            if (!event) {
              this.counts.invalid++;
              continue;
            }
            this.#broadcast(`event: ${event.type}\nid: ${event.type}:${id}\ndata: ${JSON.stringify({ entryId: id, ...(event.data as object) })}\n\n`, event.type);
          }
        }
      } catch (err) {
        if (this.#closed) return;
        this.deps.log.warn({ err: errorMessage(err) }, 'events stream: reading failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Starts each stream's cursor at its last entry: clients get what comes after they connect. */
  async #pin(): Promise<void> {
    for (const { key } of this.#sources) {
      const [last] = (await this.deps.redis.xrevrange(key, '+', '-', 'COUNT', 1)) as [string, string[]][];
      this.#cursors.set(key, last ? last[0] : '0-0');
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#heartbeat);
    for (const c of this.#clients) c.res.end();
    this.#clients.clear();
    this.#conn?.disconnect();
    await this.#loop?.catch(() => undefined);
  }
}
