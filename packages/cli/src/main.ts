import { isAwoError } from '@awo/shared';
import { UsageError } from './args.js';
import type { Io } from './io.js';

const USAGE = `awo — the Adaptive Workflow Orchestrator

usage:
  awo up --config <file>                 run all four agents and the API in this process
  awo api --config <file>                the HTTP API (api.host:api.port; /docs, /openapi.json)
  awo monitor|analyzer|planner|executor --config <file>
                                         run one agent per process
  awo demo [--scenario autoscale|data-quality] [--duration <s>] [--rate <n>] [--json] [--keep]
                                         run a demo (autoscale: continuous without --duration;
                                         data-quality: 60 s by default)
  awo plan show|history|overrides [--config <file>] [--limit <n>] [--json]
  awo plan pin <step> <param> <value> [--until <time|duration>] [--reason <text>]
  awo plan unpin <id> | awo plan rollback <version> [--reason <text>]
                                         ask the leading planner for a signed revision (waits
                                         --wait, default 10s, for it; --by names who asks)
  awo proposals list [--json] | approve <id> | reject <id> [--reason <text>]
                                         decisions of goals in propose mode
  awo trace <traceId> | awo trace --last-action [--json]
                                         a trace as a tree; the chain of the newest action
  awo explain <planVersion> [--json]     why the plan changed, in words
  awo runs [--limit <n>] [--json]        records' runs through the workflow and what each step costs
  awo dead-letters list [--limit <n>] [--json] | awo dead-letters replay <id>
                                         entries that failed, and putting one back on its stream
  awo registry [--json]                  every source, detector, forecaster, goal, action and handler
  awo config validate <file> [--json]
  awo keys init|rotate [--file <path>] [--force]
                                         make (or rotate) the key that signs plan revisions
                                         (default file .awo/signing.key, mode 0600)
  awo acl monitor|analyzer|planner|executor|reader [--prefix <p>] [--user <name>] [--config <file>]
                                         the agent's least-privilege Redis ACL user (ACL SETUSER …)

The config comes from --config or AWO_CONFIG. Without a Redis in the config, awo uses the one
on 127.0.0.1:6379, or starts a private redis-server.`;

type Command = (argv: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  config: async () => (await import('./commands/config.js')).configCommand,
  up: async () => (await import('./commands/agents.js')).agentsCommand('up'),
  api: async () => (await import('./commands/agents.js')).agentsCommand('api'),
  runs: async () => (await import('./commands/runs.js')).runsCommand,
  'dead-letters': async () => (await import('./commands/dead-letters.js')).deadLettersCommand,
  registry: async () => (await import('./commands/registry.js')).registryCommand,
  monitor: async () => (await import('./commands/agents.js')).agentsCommand('monitor'),
  analyzer: async () => (await import('./commands/agents.js')).agentsCommand('analyzer'),
  planner: async () => (await import('./commands/agents.js')).agentsCommand('planner'),
  executor: async () => (await import('./commands/agents.js')).agentsCommand('executor'),
  demo: async () => (await import('./commands/demo.js')).demoCommand,
  plan: async () => (await import('./commands/plan.js')).planCommand,
  proposals: async () => (await import('./commands/steer.js')).proposalsCommand,
  trace: async () => (await import('./commands/trace.js')).traceCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  keys: async () => (await import('./commands/keys.js')).keysCommand,
  acl: async () => (await import('./commands/acl.js')).aclCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`awo: unknown command "${name}"\n\n${USAGE}\n`);
    return 2;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`awo: second ${sig}, exiting now\n`);
      process.exit(130);
    }
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // SIGHUP re-reads the config file (commands that run agents listen; the others ignore it).
  const hangups = new EventTarget();
  process.on('SIGHUP', () => hangups.dispatchEvent(new Event('hangup')));
  const io: Io = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    signal: controller.signal,
    hangups,
  };
  try {
    return await (await load())(rest, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || (err as { code?: string }).code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`awo ${name}: ${(err as Error).message}\n`);
      return 2;
    }
    if (isAwoError(err)) {
      process.stderr.write(`awo ${name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    process.stderr.write(`awo ${name}: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
// Let stdout drain, then exit with the command's code even if a handle is still open.
process.stdout.write('', () => process.exit(code));
