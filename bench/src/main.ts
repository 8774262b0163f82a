import { parseArgs } from 'node:util';
import type { BenchIo } from './context.js';

const USAGE = `usage: npm run bench -- <name> [--json] [options]
  bus        bus publish+consume+ack vs raw pipelined XADD   [--messages N] [--rounds R]
  pipeline   metrics/s and metric-to-action latency of the loop [--seconds S] [--rate N]
  tracing    the loop with tracing on and off, and the ratio  [--messages N] [--rounds R]
  forecast   rolling-origin MASE/sMAPE per model and horizon [--trace <csv>] [--column c] [--scale k]
  autoscale  awo vs HPA, KEDA and an oracle on a real trace  [--trace <csv>] [--scale k | --peak jobs/s] [--minutes N] [--frontier] [--cv] [--mode live [--speedup k]]
  nab        anomaly detectors on NAB, scored by NAB's rules, and cross-validated [--data <dir>] [--no-cv]
  workflow   records/s through the workflow runner vs plain BullMQ [--records N] [--rounds R]
  cardinality  a flood of new label sets vs 20 legitimate series: refused, RSS, forecasts [--series N]
  steer      operator request → signed revision → pool resized: pin, unpin, rollback [--rounds R]
  api        HTTP API latency and requests/s on a loaded store; revision → events fan-out [--requests N]
  kubernetes   the kubernetes-scale action against the fake Kubernetes API: latency, retries, revision -> PATCH [--actions N] [--rounds R]
  executors  pool takeover after SIGKILL of its owner among two executor processes [--rounds R] [--lease 2s]
  scaleout   metrics/s and CPU µs/metric with 1, 2, 4 analyzer processes on one Redis and a Redis Cluster; balance; takeover [--series N] [--messages N] [--rounds R] [--partitions P] [--lease 5s] [--redis single|cluster]`;

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: 'boolean', default: false },
    messages: { type: 'string' },
    rounds: { type: 'string' },
    data: { type: 'string' },
    seconds: { type: 'string' },
    trace: { type: 'string' },
    column: { type: 'string' },
    scale: { type: 'string' },
    mode: { type: 'string' },
    minutes: { type: 'string' },
    speedup: { type: 'string' },
    rate: { type: 'string' },
    records: { type: 'string' },
    series: { type: 'string' },
    requests: { type: 'string' },
    actions: { type: 'string' },
    lease: { type: 'string' },
    partitions: { type: 'string' },
    redis: { type: 'string' },
    'no-cv': { type: 'boolean', default: false },
    frontier: { type: 'boolean', default: false },
    cv: { type: 'boolean', default: false },
    peak: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: true,
});

const io: BenchIo = {
  json: values.json,
  progress: (line) => process.stderr.write(`${line}\n`),
  out: (line) => process.stdout.write(`${line}\n`),
};
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

async function run(name: string | undefined): Promise<number> {
  switch (name) {
    case 'bus':
      await (await import('./bus.js')).busBench({ messages: num(values.messages), rounds: num(values.rounds) }, io);
      return 0;
    case 'tracing':
      await (await import('./tracing.js')).tracingBench({ messages: num(values.messages), rounds: num(values.rounds) }, io);
      return 0;
    case 'pipeline':
      await (await import('./pipeline.js')).pipelineBench({ seconds: num(values.seconds), rate: num(values.rate) }, io);
      return 0;
    case 'forecast':
      await (await import('./forecast-bench.js')).forecastBench({ trace: values.trace, column: values.column, scale: num(values.scale), json: values.json }, io);
      return 0;
    case 'autoscale':
      await (await import('./autoscale/index.js')).autoscaleBench(
        { trace: values.trace, column: values.column, scale: num(values.scale), mode: values.mode as 'sim' | 'live' | undefined, minutes: num(values.minutes), speedup: num(values.speedup), json: values.json, frontier: values.frontier, cv: values.cv, peak: num(values.peak) },
        io,
      );
      return 0;
    case 'workflow':
      await (await import('./workflow.js')).workflowBench({ records: num(values.records), rounds: num(values.rounds) }, io);
      return 0;
    case 'cardinality':
      await (await import('./cardinality.js')).cardinalityBench({ series: num(values.series) }, io);
      return 0;
    case 'steer':
      await (await import('./steer.js')).steerBench({ rounds: num(values.rounds) }, io);
      return 0;
    case 'api':
      await (await import('./api.js')).apiBench({ requests: num(values.requests) }, io);
      return 0;
    case 'kubernetes':
      await (await import('./kubernetes.js')).kubernetesBench({ actions: num(values.actions), rounds: num(values.rounds) }, io);
      return 0;
    case 'executors':
      await (await import('./executors.js')).executorsBench({ rounds: num(values.rounds), lease: values.lease }, io);
      return 0;
    case 'scaleout':
      await (await import('./scaleout.js')).scaleoutBench({ series: num(values.series), messages: num(values.messages), rounds: num(values.rounds), partitions: num(values.partitions), lease: values.lease, redis: values.redis }, io);
      return 0;
    case 'nab':
      await (await import('./nab-bench.js')).nabBench({ data: values.data, json: values.json, noCv: values['no-cv'] }, io);
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return name && !values.help ? 2 : 0;
  }
}

let code: number;
try {
  code = await run(positionals[0]);
} catch (err) {
  // A refused input is a message, not a stack trace.
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  code = 1;
}
process.stdout.write('', () => process.exit(code));
