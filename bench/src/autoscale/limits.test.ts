import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLoad, MAX_JOBS_PER_STEP, scaleForPeak } from './limits.js';

const pool = { maxWorkers: 400, serviceSec: 0.5 };

describe('checkLoad', () => {
  it('accepts a trace the pool can serve', () => {
    const r = checkLoad({ values: [100, Number.NaN, 20_000], stepMs: 60_000, scale: 50 }, pool);
    expect(r).toMatchObject({ ok: true, peakJobs: 20_000, capacity: 800, fitScale: 50 });
  });

  it('refuses a trace near 6 million per step at the default scale, naming the scaled load and a --scale that fits', () => {
    const values = [5.9e6 * 50, 6e6 * 50, 5.8e6 * 50];
    const r = checkLoad({ values, stepMs: 60_000, scale: 50, source: 'big.csv' }, pool);
    expect(r.ok).toBe(false);
    expect(r.peakRate).toBe(5e6);
    expect(r.message).toBe('big.csv: at --scale 50 the load would peak at 5.00e+6 jobs/s (3.00e+8 jobs in one 60 s step), more than the pool of at most 400 workers × 2.00 jobs/s = 800 jobs/s can serve; --scale 0.008 or less would fit');
    // the suggested scale fits
    const fit = checkLoad({ values: values.map((v) => (v / 50) * r.fitScale), stepMs: 60_000, scale: r.fitScale }, pool);
    expect(fit.ok).toBe(true);
  });

  it('refuses a step with more jobs than the replay draws at once, even within the pool', () => {
    // a day per step: 700 jobs/s is within 800 jobs/s, but 60 million jobs in one step
    const r = checkLoad({ values: [1, 700 * 86_400], stepMs: 86_400_000, scale: 1 }, pool);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/more than the 2.00e\+6 jobs per step the replay draws at once; --scale 0.033 or less would fit/);
    expect(r.fitScale * 700 * 86_400).toBeLessThanOrEqual(MAX_JOBS_PER_STEP);
  });
});

describe('scaleForPeak', () => {
  it("puts the 99th-percentile step at the given rate", () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i < 995 ? i : 1e6));
    // 99th percentile: 990 jobs per 300 s step → 11 jobs/s
    expect(scaleForPeak(values, 300_000, 11)).toBeCloseTo((11 * 300) / 990, 12);
    expect(() => scaleForPeak([0, 0], 60_000, 11)).toThrow(/99th-percentile/);
    expect(() => scaleForPeak([1, 2], 60_000, -1)).toThrow(/--peak/);
  });
});

describe('npm run bench -- autoscale on a trace it cannot handle', () => {
  it('exits with the message before spending memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awo-limits-'));
    try {
      const csv = join(dir, 'huge.csv');
      writeFileSync(csv, `timestamp,value\n0,5900000\n60,6000000\n120,5800000\n`);
      const bin = fileURLToPath(new URL('../../bin/awo-bench.js', import.meta.url));
      const r = spawnSync(process.execPath, [bin, 'autoscale', '--trace', csv], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '--max-old-space-size=256' } });
      expect(r.stderr).toContain(`autoscale: ${csv}: at --scale 50 the load would peak at 5.00e+6 jobs/s`);
      expect(r.stderr).toContain('--scale 0.008 or less would fit');
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
      expect(r.status).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
