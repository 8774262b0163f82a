import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './lifecycle.js';

/**
 * `/healthz` (alive: no agent failed), `/readyz` (every agent running and ready) and
 * `/metrics` (Prometheus text) for the agents of one process.
 */
export class HealthServer {
  #server: Server | undefined;

  constructor(
    private readonly agents: readonly Agent[],
    private readonly options: { host: string; port: number },
  ) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const statuses = this.agents.map((a) => a.status());
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz' || path === '/readyz') {
        const ok = path === '/healthz' ? statuses.every((s) => s.state !== 'failed' && s.state !== 'closed') : statuses.every((s) => s.ready);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok, agents: statuses }));
      } else if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(prometheusText(this.agents));
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

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

export function prometheusText(agents: readonly Agent[]): string {
  const lines: string[] = [];
  for (const agent of agents) {
    const s = agent.status();
    lines.push(`awo_agent_up{agent="${agent.name}"} ${s.state === 'running' ? 1 : 0}`);
    for (const [k, v] of Object.entries(agent.metrics())) {
      if (!Number.isFinite(v)) continue;
      // A key may carry labels: `source_failures_total{source="bullmq:work"}`.
      const brace = k.indexOf('{');
      const name = sanitize(brace < 0 ? k : k.slice(0, brace));
      const labels = brace < 0 ? '' : `,${k.slice(brace + 1, k.lastIndexOf('}'))}`;
      lines.push(`awo_${name}{agent="${agent.name}"${labels}} ${v}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
