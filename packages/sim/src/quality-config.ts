import { parseConfig, type Config } from '@awo/shared';
import { demoSigningEnv } from './demo-key.js';

export interface QualityDemoSettings {
  prefix: string;
  redisUrl: string;
  /** How long the data must stay clean before the reroute is reverted (ms). */
  stabilizationMs: number;
}

/** The limits the quality goal keeps; the summary and status lines read the same series. */
export const QUALITY_LIMITS = {
  'records.orders.null_rate': 0.02,
  'records.orders.out_of_range_rate': 0.02,
  'records.orders.schema_violation_rate': 0.02,
} as const;

/**
 * The data-quality demo's config: orders run ingest → validate → enrich → store; a `records`
 * source measures what enters validate; the goal `clean-orders` inserts strict-validation (which
 * sends failing records to quarantine) between validate and enrich when a limit breaks, is
 * forecast to break, or the amount's distribution drifts, and takes it out after a clean window.
 */
export function qualityDemoConfig(s: QualityDemoSettings): Config {
  return parseConfig({
    prefix: s.prefix,
    redis: { url: s.redisUrl },
    bus: { block: 500, claimMinIdle: '15s' },
    log: { level: 'warn' },
    workflow: {
      schema: {
        fields: {
          id: { type: 'string', required: true },
          amount: { type: 'number', required: true, min: 0, max: 1000 },
          currency: { type: 'string', required: true },
          at: { type: 'number', required: true },
        },
        key: 'id',
        timestampField: 'at',
      },
      steps: {
        ingest: { handler: 'pass', params: { concurrency: 16 } },
        validate: { handler: 'validate', after: ['ingest'], params: { concurrency: 16 } },
        enrich: { handler: 'enrich', after: ['validate'], params: { concurrency: 16, 'field.region': 'eu-west' } },
        store: { handler: 'sink', after: ['enrich'], params: { concurrency: 16 } },
      },
      extraSteps: {
        'strict-validation': { handler: 'strict-validation', onFail: 'quarantine', params: { concurrency: 16 } },
        quarantine: { handler: 'sink', params: { concurrency: 4 } },
      },
    },
    monitor: { interval: '500ms', sources: [{ kind: 'records', name: 'orders', step: 'validate', values: ['amount'] }] },
    analyzer: {
      anomaly: [{ series: 'records.orders.null_rate', detectors: ['robust-z'] }],
      drift: [{ series: 'records.orders.value.amount', method: 'psi', reference: 400, recent: 150 }],
    },
    planner: {
      lease: '5s',
      evaluateInterval: '500ms',
      goals: [
        {
          kind: 'quality',
          name: 'clean-orders',
          limits: QUALITY_LIMITS,
          drift: ['records.orders.value.amount'],
          reroute: { insert: 'strict-validation', between: ['validate', 'enrich'] },
          stabilization: s.stabilizationMs,
          staleAfter: '5s',
        },
      ],
    },
  }, demoSigningEnv());
}
