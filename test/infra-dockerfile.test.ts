import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '@awo/shared';

/**
 * The Dockerfile. No container engine runs where awo is tested (a docker client without a
 * daemon at most), so no image is built or pulled: this checks the file itself — its stages, the
 * non-root user, the HEALTHCHECK, that the runtime stage holds production dependencies only, the
 * entrypoint — and that its ENV really makes every agent's health listen on 0.0.0.0:9464.
 */

const ROOT = new URL('../', import.meta.url).pathname;

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string;
  instructions: Instruction[];
}

/** Stages of a Dockerfile, with continuation lines joined and comments dropped. */
function stages(text: string): Stage[] {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      out.push({ from: m?.[1] ?? args, name: m?.[2] ?? String(out.length), instructions: [] });
    } else if (out.length > 0) out[out.length - 1]?.instructions.push({ op: op.toUpperCase(), args });
  }
  return out;
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const all = stages(dockerfile);
const runtime = all[all.length - 1] as Stage;
const of = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op);

/** The variables the runtime stage's ENV sets (`ENV a=b c=d` form). */
function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of of(stage, 'ENV')) for (const [, k, v] of i.args.matchAll(/(\w+)=(\S+)/g)) env[k as string] = v as string;
  return env;
}

describe('Dockerfile', () => {
  it('is multi-stage: a build stage runs npm ci and npm run build, the runtime stage comes last', () => {
    expect(all.length).toBeGreaterThanOrEqual(2);
    const build = all.find((s) => s.name === 'build');
    expect(build, 'a stage named build').toBeDefined();
    expect(of(build as Stage, 'RUN').map((r) => r.args).join(' ')).toMatch(/npm ci\b.*&&\s*npm run build/);
    expect(runtime.name).toBe('runtime');
    expect(runtime.from).toMatch(/^node:/);
  });

  it('runs as a non-root user', () => {
    const users = of(runtime, 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users[users.length - 1] as Instruction).args.split(':')[0];
    expect(user).not.toMatch(/^(root|0)$/);
    expect(of(runtime, 'RUN').map((r) => r.args).join(' ')).toContain(`useradd`);
  });

  it('holds production dependencies only: what the runtime copies comes from a stage that dropped the dev ones', () => {
    for (const run of of(runtime, 'RUN')) expect(run.args).not.toMatch(/npm (ci|install|i)\b(?!.*--omit=dev)/);
    const copies = of(runtime, 'COPY').map((c) => /--from=(\S+)/.exec(c.args)?.[1]).filter((s): s is string => s !== undefined);
    expect(copies.length).toBeGreaterThan(0);
    for (const from of copies) {
      const stage = all.find((s) => s.name === from);
      expect(stage, `stage ${from}`).toBeDefined();
      expect(of(stage as Stage, 'RUN').map((r) => r.args).join(' '), `stage ${from} runs npm prune/ci --omit=dev`).toMatch(/npm (prune|ci)\b[^&]*--omit=dev/);
    }
    expect(envOf(runtime).NODE_ENV).toBe('production');
  });

  it('has a HEALTHCHECK on /healthz, and ENV puts every agent health on 0.0.0.0 at that port', () => {
    const [check] = of(runtime, 'HEALTHCHECK');
    expect(check?.args).toMatch(/CMD .*http:\/\/127\.0\.0\.1:9464\/healthz/);
    const config = parseConfig({}, envOf(runtime));
    for (const health of [config.health, config.monitor.health, config.analyzer.health, config.planner.health, config.executor.health]) {
      expect(health).toEqual({ host: '0.0.0.0', port: 9464 });
    }
    expect(of(runtime, 'EXPOSE').map((e) => e.args)).toContain('9464');
  });

  it('runs `awo`: the entrypoint is the bin in exec form, so `docker run awo monitor --config …` runs one agent', () => {
    const [entrypoint] = of(runtime, 'ENTRYPOINT');
    expect(JSON.parse(entrypoint?.args ?? 'null')).toEqual(['node', 'packages/cli/bin/awo.js']);
    expect(existsSync(join(ROOT, 'packages/cli/bin/awo.js'))).toBe(true);
    expect(of(runtime, 'WORKDIR').map((w) => w.args)).toContain('/app');
  });

  it('.dockerignore keeps installed trees, build output, secrets and .git out of the context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.awo', '.git']) expect(ignored).toContain(entry);
  });
});
