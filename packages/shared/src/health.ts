import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './lifecycle.js';
import { gauge, type Metrics } from './telemetry/metrics.js';

/**
 * `/healthz` (alive: no agent failed), `/readyz` (every agent running and ready) and
 * `/metrics` (the process's prom-client registry, with `awo_agent_up` for these agents).
 */
export class HealthServer {
  #server: Server | undefined;

  constructor(
    private readonly agents: readonly Agent[],
    private readonly options: { host: string; port: number },
    private readonly metrics: Metrics,
  ) {
    metrics.live({ awo_agent_up: gauge('1 while the agent is running, else 0', ['agent'], () => agents.map((a) => [{ agent: a.name }, a.state === 'running' ? 1 : 0] as const)) });
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const statuses = this.agents.map((a) => a.status());
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/readyz') {
        const ok = path === '/healthz' ? statuses.every((s) => s.state !== 'failed' && s.state !== 'closed') : statuses.every((s) => s.ready);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok, agents: statuses }));
      } else if (path === '/metrics') {
        this.metrics.text().then(
          (text) => res.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
          (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, resolve);
    });
    this.#server = server;
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
