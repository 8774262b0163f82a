import { Redis } from 'ioredis';
import { keySlot } from '@awo/shared';

interface ClusterNodeRow {
  id: string;
  host: string;
  port: number;
  master: boolean;
  slots: [number, number][];
}

/** `CLUSTER NODES` as rows (masters' slot ranges; importing/migrating markers skipped). */
function parseNodes(text: string): ClusterNodeRow[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, , , , , , ...slots] = line.split(' ');
      const [hostPort] = (addr ?? '').split('@');
      const at = (hostPort ?? '').lastIndexOf(':');
      return {
        id: id ?? '',
        host: (hostPort ?? '').slice(0, at),
        port: Number((hostPort ?? '').slice(at + 1)),
        master: (flags ?? '').includes('master') && !(flags ?? '').includes('fail'),
        slots: slots.filter((s) => !s.startsWith('[')).map((s) => (s.includes('-') ? (s.split('-').map(Number) as [number, number]) : [Number(s), Number(s)])),
      };
    });
}

function connect(host: string, port: number): Redis {
  const redis = new Redis({ host, port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  return redis;
}

/**
 * Moves the slot of `key` to another master the way `redis-cli --cluster reshard` does:
 * IMPORTING on the target, MIGRATING on the source, MIGRATE of its keys one at a time, then
 * SETSLOT NODE on every master. `midway` runs after the first keys moved and before the rest:
 * clients then meet ASK (a key already moved) and TRYAGAIN (a multi-key command split across the
 * two nodes). Resolves with the source and target ports.
 */
export async function migrateSlot(seed: string, key: string, midway: () => Promise<void> = async () => undefined): Promise<{ slot: number; from: number; to: number }> {
  const slot = keySlot(key);
  const [host, port] = seed.split(':');
  const first = connect(host ?? '127.0.0.1', Number(port));
  const opened: Redis[] = [first];
  try {
    const nodes = parseNodes(String(await first.call('CLUSTER', 'NODES'))).filter((n) => n.master);
    const source = nodes.find((n) => n.slots.some(([a, b]) => slot >= a && slot <= b));
    const target = nodes.find((n) => n !== source);
    if (!source || !target) throw new Error(`no source and target master for slot ${slot}`);
    const at = (n: ClusterNodeRow) => {
      const c = connect(n.host, n.port);
      opened.push(c);
      return c;
    };
    const src = at(source);
    const dst = at(target);
    await dst.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
    await src.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
    let moved = 0;
    for (;;) {
      const keys = (await src.call('CLUSTER', 'GETKEYSINSLOT', slot, 1)) as string[];
      if (keys.length === 0) break;
      await src.call('MIGRATE', target.host, target.port, '', 0, 5000, 'KEYS', ...keys);
      if (moved === 0) await midway();
      moved += keys.length;
    }
    if (moved === 0) await midway();
    for (const n of nodes) await at(n).call('CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    return { slot, from: source.port, to: target.port };
  } finally {
    for (const c of opened) c.disconnect();
  }
}
