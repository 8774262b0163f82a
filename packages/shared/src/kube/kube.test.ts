import { describe, expect, it } from 'vitest';
import { ConfigError, AwoError } from '../errors.js';
import { parseConfig } from '../config/load.js';
import { kubeError, type KubeOp } from './errors.js';
import { withKubeRetries } from './retry.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

const target = { kind: 'Deployment' as const, namespace: 'shop', name: 'api' };
const op: KubeOp = { verb: 'patch', resource: 'deployments/scale', target, path: '/apis/apps/v1/namespaces/shop/deployments/api/scale', credentials: 'kubeconfig /k (context fake)' };

describe('kubernetes config', () => {
  it('takes a kubernetes-scale action and a kubernetes source with their defaults', () => {
    const cfg = parseConfig({
      executor: { actions: { up: { kind: 'kubernetes-scale', target, max: 10 } } },
      monitor: { sources: [{ kind: 'kubernetes', name: 'k8s', kubeconfig: { path: '/etc/kube.yaml' }, targets: [target, { kind: 'StatefulSet', namespace: 'shop', name: 'db.main', as: 'db' }] }] },
    });
    expect(cfg.executor.actions.up).toEqual({ kind: 'kubernetes-scale', target, min: 0, max: 10, timeout: 10_000, retries: 5, backoff: 200, maxBackoff: 5000 });
    expect(cfg.monitor.sources[0]).toMatchObject({ kind: 'kubernetes', timeout: 5000, kubeconfig: { path: '/etc/kube.yaml' } });
  });

  it('refuses bad fields with their paths', () => {
    const issues = issuesOf(() =>
      parseConfig({
        executor: { actions: { up: { kind: 'kubernetes-scale', target: { kind: 'DaemonSet', namespace: 'Shop', name: 'api' }, min: 5, max: 2, kubeconfig: { context: 'x' } } } },
        monitor: { sources: [{ kind: 'kubernetes', name: 'k8s', targets: [target, { ...target, namespace: 'other' }, { kind: 'StatefulSet', namespace: 'shop', name: 'db.main' }] }] },
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['executor.actions.up.target.kind', 'executor.actions.up.target.namespace', 'executor.actions.up.kubeconfig.path', 'monitor.sources[0].targets[1].as', 'monitor.sources[0].targets[2].as']));
    expect(issues.find((i) => i.path === 'monitor.sources[0].targets[1].as')?.message).toContain('"api" is also targets.0');
  });

  it('min above max is refused at min', () => {
    expect(issuesOf(() => parseConfig({ executor: { actions: { up: { kind: 'kubernetes-scale', target, min: 5, max: 2 } } } })).map((i) => i.path)).toContain('executor.actions.up.min');
  });
});

describe('kubeError', () => {
  const api = (code: number, body?: unknown, headers: Record<string, string> = {}) => Object.assign(new (class ApiException extends Error {})('x'), { code, body, headers });
  it('maps each status to its code, retryable only where a retry can help', () => {
    const status = (reason: string, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code: 0 });
    const cases: [number, string, boolean][] = [
      [401, 'AWO_KUBE_UNAUTHORIZED', false],
      [403, 'AWO_KUBE_FORBIDDEN', false],
      [404, 'AWO_KUBE_NOT_FOUND', false],
      [409, 'AWO_KUBE_CONFLICT', true],
      [422, 'AWO_KUBE_REJECTED', false],
      [415, 'AWO_KUBE_REJECTED', false],
      [429, 'AWO_KUBE_UNAVAILABLE', true],
      [500, 'AWO_KUBE_UNAVAILABLE', true],
      [503, 'AWO_KUBE_UNAVAILABLE', true],
    ];
    for (const [code, want, retryable] of cases) expect([code, kubeError(api(code, status('R', 'said')), op).code, kubeError(api(code), op).retryable]).toEqual([code, want, retryable]);
    expect(kubeError(api(429, undefined, { 'retry-after': '3' }), op).details).toMatchObject({ status: 429, retryAfterMs: 3000 });
    expect(kubeError(api(403, 'not json {'), op).message).not.toContain('The server said');
    expect(kubeError(Object.assign(new Error('request failed, reason: connect ECONNREFUSED 127.0.0.1:1'), { name: 'FetchError' }), op).code).toBe('AWO_KUBE_UNAVAILABLE');
    expect(kubeError(new Error('aborted'), op, true).message).toContain('timed out');
  });
});

describe('withKubeRetries', () => {
  const conflict = () => new AwoError('AWO_KUBE_CONFLICT', 'conflict', { details: { status: 409 } });
  it('retries 409 and 5xx with growing, capped waits, honouring Retry-After within maxBackoff', async () => {
    const waits: number[] = [];
    let n = 0;
    const errors = [conflict(), new AwoError('AWO_KUBE_UNAVAILABLE', '500'), new AwoError('AWO_KUBE_UNAVAILABLE', '429', { details: { retryAfterMs: 60_000 } }), conflict()];
    const out = await withKubeRetries(
      async () => {
        const err = errors[n++];
        if (err) throw err;
        return 'done';
      },
      { retries: 5, backoff: 1, maxBackoff: 4, signal: new AbortController().signal, random: () => 0.999, onRetry: (_e, _r, w) => waits.push(w) },
    );
    expect(out).toEqual({ value: 'done', retries: 4 });
    // 1, 2, then Retry-After (60 s) cut to maxBackoff 4, then 4 (8 capped): each within [exp/2, exp].
    expect(waits.map((w) => Math.round(w * 10) / 10)).toEqual([1, 2, 4, 4]);
  });

  it('does not retry what a retry cannot help, and gives up after `retries` with the count', async () => {
    let tries = 0;
    const forbidden = new AwoError('AWO_KUBE_FORBIDDEN', 'no');
    await expect(withKubeRetries(async () => (tries++, Promise.reject(forbidden)), { retries: 5, backoff: 1, maxBackoff: 1, signal: new AbortController().signal })).rejects.toBe(forbidden);
    expect(tries).toBe(1);
    await expect(withKubeRetries(async () => Promise.reject(conflict()), { retries: 2, backoff: 1, maxBackoff: 1, signal: new AbortController().signal })).rejects.toMatchObject({ code: 'AWO_KUBE_CONFLICT', message: 'conflict (gave up after 3 tries)', details: { tries: 3 } });
  });
});
