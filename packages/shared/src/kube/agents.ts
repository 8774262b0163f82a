import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/** At most this many agents (distinct TLS identities) are kept; the oldest is destroyed past it. */
const MAX_AGENTS = 4;
/** Connections per agent: awo sends one request at a time per action or source. */
const MAX_SOCKETS = 8;

type AnyAgent = HttpAgent | HttpsAgent;

/**
 * `@kubernetes/client-node` 1.x makes a new agent for every request (so a TCP connection and a
 * TLS handshake each time). This keeps one keep-alive agent per TLS identity (CA, client
 * certificate and key, verification, server name) and hands it to each request instead, so
 * connections are reused; a rotated certificate is a new identity and gets a new agent. Proxy
 * agents are left as they are. Idle keep-alive sockets do not hold the process open.
 */
export class KeepAliveAgents {
  readonly #agents = new Map<string, AnyAgent>();

  /** The agent to use for a request the client gave `agent`. */
  reuse(agent: AnyAgent | undefined): AnyAgent | undefined {
    if (!agent || (agent.constructor !== HttpsAgent && agent.constructor !== HttpAgent)) return agent;
    const o = (agent as AnyAgent & { options: Record<string, unknown> }).options ?? {};
    const tls = agent instanceof HttpsAgent;
    const key = createHash('sha256')
      .update(JSON.stringify([tls, ...['ca', 'cert', 'key', 'pfx', 'passphrase', 'servername', 'rejectUnauthorized'].map((k) => (o[k] === undefined ? null : String(o[k])))]))
      .digest('hex');
    let kept = this.#agents.get(key);
    if (!kept) {
      if (this.#agents.size >= MAX_AGENTS) {
        const [oldest, old] = this.#agents.entries().next().value as [string, AnyAgent];
        old.destroy();
        this.#agents.delete(oldest);
      }
      const options = { ...o, keepAlive: true, maxSockets: MAX_SOCKETS };
      kept = tls ? new HttpsAgent(options) : new HttpAgent(options);
      this.#agents.set(key, kept);
    }
    agent.destroy();
    return kept;
  }

  /** Closes every kept connection. */
  destroy(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }
}
