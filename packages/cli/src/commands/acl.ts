import { ACL_AGENTS, aclRules, configPath, loadConfig, type AclAgent } from '@awo/shared';
import { parse, UsageError } from '../args.js';
import type { Io } from '../io.js';

const USAGE = `usage: awo acl ${ACL_AGENTS.join('|')} [--prefix <p>] [--user <name>] [--config <file>] [--json]`;

/**
 * `awo acl <agent>` prints the `ACL SETUSER` line of the agent's least-privilege Redis user
 * (see docs/security.md). With a config, its prefix and the keys it adds (the executor's
 * `redis-set` keys, the monitor's source queues and streams) are included.
 */
export async function aclCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { prefix: { type: 'string' }, user: { type: 'string' } });
  const [agent, ...extra] = positionals;
  if (!ACL_AGENTS.includes(agent as AclAgent) || extra.length > 0) throw new UsageError(USAGE);
  const path = configPath(values.config, io.env);
  const config = path ? await loadConfig(path, io.env) : undefined;
  const prefix = values.prefix ?? config?.prefix ?? 'awo';
  const user = values.user ?? `awo-${agent}`;
  const rules = aclRules(agent as AclAgent, prefix, config);
  if (values.json) io.out(JSON.stringify({ user, prefix, rules }));
  else {
    io.out(`ACL SETUSER ${user} ${rules.join(' ')} >change-me`);
    io.out(`# replace "change-me" with the user's password (or #<sha256 of it>); give the agent redis.url: redis://${user}@<host>`);
  }
  return 0;
}
