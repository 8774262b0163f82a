import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import { ExecutorAgent, kubernetesScaleHandler, observe, type ActionContext } from '@awo/executor';
import { KubeApiServer, makeTestCerts, type KubeApiRequest } from '@awo/testkit';
import { applyChanges, createLogger, deletePrefix, keys, kubernetesScaleActionSchema, paramOf, parseConfig, PlanStore, Runtime, signRevision, type Action, type KubernetesScaleActionConfig } from '@awo/shared';
import { benchRedis, type BenchIo } from './context.js';
import { median, quantile, round, table } from './stats.js';

const TOKEN = 'bench-token';
const SIGNING_KEY = 'kubernetes-bench-signing-key-0123456789';

/**
 * The kubernetes-scale action against the fake Kubernetes API of @awo/testkit (HTTPS with a test
 * CA, a bearer token; no cluster): the latency of one scale action (GET Scale + merge PATCH),
 * of observe() (one GET), what retries cost when the server answers 409, 5xx or 429, and a
 * signed revision's commit → the PATCH arriving, through a real executor on Redis. Medians of
 * `rounds` rounds of `actions` actions each.
 */
export async function kubernetesBench(argv: { actions?: number; rounds?: number }, io: BenchIo) {
  const n = argv.actions ?? 50;
  const rounds = argv.rounds ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'awo-kube-bench-'));
  const certs = makeTestCerts(dir);
  const api = await KubeApiServer.start({ token: TOKEN, tls: { cert: certs.cert, key: certs.key } });
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'), { token: TOKEN, ca: certs.ca, context: 'fake' });
  const redis = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
  const ctx: ActionContext = { signal: new AbortController().signal, log: createLogger({ level: 'error' }), tracer: trace.getTracer('bench'), redis, keys: keys('bench'), pools: new Map() };
  const config = (name: string): KubernetesScaleActionConfig => kubernetesScaleActionSchema.parse({ kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'bench', name }, kubeconfig: { path: kubeconfig, context: 'fake' }, max: 1000 });
  const action = (value: number): Action => ({ v: 1, id: `bench.${randomUUID()}`, version: 1, action: 'scale', kind: 'kubernetes-scale', step: 'web', param: 'replicas', value, at: Date.now() }) as Action;
  const timed = async (f: () => Promise<unknown>) => {
    const t0 = performance.now();
    await f();
    return performance.now() - t0;
  };
  const scale: number[][] = [];
  const reads: number[][] = [];
  try {
    api.add({ kind: 'Deployment', namespace: 'bench', name: 'web', replicas: 1 });
    const web = config('web');
    await kubernetesScaleHandler(action(2), web, ctx); // loads the client once
    for (let r = 1; r <= rounds; r++) {
      const s: number[] = [];
      const o: number[] = [];
      for (let i = 0; i < n; i++) {
        s.push(await timed(() => kubernetesScaleHandler(action(3 + (i % 2)), web, ctx)));
        o.push(await timed(() => observe(web, { pools: new Map(), redis, keys: ctx.keys, log: ctx.log })));
      }
      scale.push(s);
      reads.push(o);
      io.progress(`round ${r}/${rounds}: scale action median ${round(median(s))} ms, observe median ${round(median(o))} ms`);
    }
    const retried = async (label: string, faults: Parameters<KubeApiServer['inject']>[0][]) => {
      const name = `retry-${randomUUID().slice(0, 8)}`;
      api.add({ kind: 'Deployment', namespace: 'bench', name, replicas: 1 });
      for (const f of faults) api.inject({ ...f, path: `/${name}/` });
      const t0 = performance.now();
      const out = await kubernetesScaleHandler(action(5), config(name), ctx);
      const ms = performance.now() - t0;
      const retries = Number(/(\d+) retr/.exec(out.output ?? '')?.[1] ?? 0);
      return { case: label, retries, ms: round(ms, 1), requests: api.requests.filter((q) => q.path.includes(`/${name}/`)).map((q) => `${q.method} ${q.status}`).join(', ') };
    };
    const retryCases = [
      await retried('409 twice', [{ status: 409, method: 'PATCH', times: 2 }]),
      await retried('500 then 503 (backoff 200 ms)', [{ status: 500, method: 'GET' }, { status: 503, method: 'PATCH' }]),
      await retried('429, Retry-After: 1', [{ status: 429, method: 'PATCH', retryAfter: 1 }]),
    ];
    const revisionToPatch = await executorRounds(api, kubeconfig, Math.min(n, 10));
    const all = scale.flat();
    const result = {
      actions: n,
      rounds,
      scaleActionMsMedian: round(median(scale.map(median)), 2),
      scaleActionMsP95: round(quantile(all, 0.95), 2),
      observeMsMedian: round(median(reads.map(median)), 2),
      retryCases,
      revisionToPatchMsMedian: round(median(revisionToPatch), 1),
      revisionToPatchMsMax: round(Math.max(...revisionToPatch), 1),
      revisions: revisionToPatch.length,
    };
    if (io.json) io.out(JSON.stringify(result));
    else {
      io.out(table([
        { measure: 'one scale action: GET Scale + merge PATCH (HTTPS, token)', 'ms (median)': result.scaleActionMsMedian, 'ms (p95 / max)': result.scaleActionMsP95 },
        { measure: 'observe(): GET Scale', 'ms (median)': result.observeMsMedian, 'ms (p95 / max)': round(quantile(reads.flat(), 0.95), 2) },
        { measure: `signed revision committed -> PATCH at the API (real executor, Redis, BullMQ; ${result.revisions} revisions, max)`, 'ms (median)': result.revisionToPatchMsMedian, 'ms (p95 / max)': result.revisionToPatchMsMax },
      ]));
      io.out(table(retryCases));
      io.out(`(${n} actions × ${rounds} rounds against the fake API of @awo/testkit, not a cluster)`);
    }
    return result;
  } finally {
    redis.disconnect();
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Commits `n` signed revisions one after the other; each time, how long until the PATCH reached the API. */
async function executorRounds(api: KubeApiServer, kubeconfig: string, n: number): Promise<number[]> {
  const r = await benchRedis();
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  api.add({ kind: 'Deployment', namespace: 'bench', name: 'e2e', replicas: 1 });
  const config = parseConfig(
    {
      prefix,
      workflow: { steps: { web: { queue: 'web', params: { replicas: 1 }, apply: { replicas: 'scale' } } } },
      executor: { actions: { scale: { kind: 'kubernetes-scale', target: { kind: 'Deployment', namespace: 'bench', name: 'e2e' }, kubeconfig: { path: kubeconfig, context: 'fake' }, max: 1000 } } },
    },
    { AWO_SIGNING_KEY: SIGNING_KEY },
  );
  const runtime = new Runtime({ config, redisUrl: r.url, log: createLogger({ level: 'error' }), env: {} });
  const executor = new ExecutorAgent(runtime.deps('executor'));
  const store = new PlanStore(runtime.redis, runtime.keys, config);
  const out: number[] = [];
  try {
    await executor.start();
    for (let i = 0; i < n; i++) {
      const current = await store.current();
      const to = 2 + (i % 5);
      const changes = [{ op: 'set' as const, step: 'web', param: 'replicas', from: paramOf(current, 'web', 'replicas') ?? null, to: to === paramOf(current, 'web', 'replicas') ? to + 1 : to }];
      const version = current.version + 1;
      const patched = new Promise<void>((resolve) => {
        const on = (q: KubeApiRequest) => {
          if (q.method === 'PATCH' && q.path.endsWith('/e2e/scale') && q.status === 200) {
            api.off('request', on);
            resolve();
          }
        };
        api.on('request', on);
      });
      const t0 = performance.now();
      await store.commit(signRevision({ v: 1, version, parentVersion: current.version, plan: applyChanges(current, changes, version), changes, goal: 'bench', reason: 'bench', insightIds: [], at: Date.now(), leader: 'bench' }, SIGNING_KEY));
      await patched;
      out.push(performance.now() - t0);
    }
  } finally {
    await executor.close();
    await deletePrefix(runtime.redis, prefix);
    await runtime.close();
    await r.stop();
  }
  return out;
}
