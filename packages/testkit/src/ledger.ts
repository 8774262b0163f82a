import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP side of a test of real agents (the chaos run, the epoch-restart and silent-source
 * tests): `/load` is the http-json source the monitor samples (the arrival rate the planner scales
 * on; `silent` makes it answer 503), `/hook` is the http action's receiver, a ledger of every
 * request by Idempotency-Key.
 */
export class Ledger {
  arrival = 2;
  silent = false;
  /** Idempotency-Key → the values of each request carrying it. */
  readonly requests = new Map<string, unknown[]>();
  total = 0;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((req, res) => {
      if (req.url === '/load') {
        if (this.silent) return void res.writeHead(503).end('silent');
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ arrival: this.arrival }));
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const key = String(req.headers['idempotency-key'] ?? '(none)');
        const list = this.requests.get(key) ?? [];
        list.push((JSON.parse(body || '{}') as { value?: unknown }).value);
        this.requests.set(key, list);
        this.total++;
        res.writeHead(200).end('noted');
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Requests that repeat a key already answered with the same value: the same action run again. */
  duplicates(): number {
    let n = 0;
    for (const list of this.requests.values()) n += list.length - new Set(list.map((v) => JSON.stringify(v))).size;
    return n;
  }

  /** Keys carried by requests with different values: one Idempotency-Key naming two different actions. */
  reusedKeys(): string[] {
    return [...this.requests].filter(([, list]) => new Set(list.map((v) => JSON.stringify(v))).size > 1).map(([k]) => k);
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((r) => this.#server.close(() => r()));
  }
}
