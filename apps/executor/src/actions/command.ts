import { execFile, type ExecFileException } from 'node:child_process';
import { basename } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { AwoError, ATTR, inSpan } from '@awo/shared';
import { commandArgs, truncate } from '../template.js';
import type { ActionConfigOf, ActionHandler } from '../types.js';

const OUTPUT_MAX = 4096;
/** stdout and stderr beyond this are an error of the command (execFile's maxBuffer). */
const BUFFER_MAX = 1024 * 1024;

interface Run {
  error: ExecFileException | null;
  output: string;
}

function run(file: string, args: string[], timeout: number, signal: AbortSignal): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { shell: false, timeout, signal, maxBuffer: BUFFER_MAX, windowsHide: true, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ error, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * `command`: runs the config's absolute executable without a shell; `{{step}}`, `{{param}}`,
 * `{{value}}` and `{{version}}` in the config's arguments are replaced, each argument staying one
 * argument. Killed after the timeout. Output (stdout then stderr) is cut to 4 KiB.
 */
export const commandHandler: ActionHandler<ActionConfigOf<'command'>> = (action, config, ctx) => {
  if (!config.executable.startsWith('/')) return Promise.reject(new AwoError('AWO_ACTION_NOT_ALLOWED', `command executable must be an absolute path, got ${config.executable}`));
  let args: string[];
  try {
    args = commandArgs(config.args, action);
  } catch (err) {
    return Promise.reject(err);
  }
  return inSpan(ctx.tracer, `exec ${basename(config.executable)}`, { kind: SpanKind.CLIENT, attributes: { [ATTR.PROCESS_EXECUTABLE_PATH]: config.executable } }, async (span) => {
    const { error, output } = await run(config.executable, args, config.timeout, ctx.signal);
    const shown = truncate(output, OUTPUT_MAX);
    if (!error) {
      span.setAttribute(ATTR.PROCESS_EXIT_CODE, 0);
      return { output: shown };
    }
    if (typeof error.code === 'number') span.setAttribute(ATTR.PROCESS_EXIT_CODE, error.code);
    if (error.killed && !ctx.signal.aborted) throw new AwoError('AWO_TIMEOUT', `${config.executable} was killed after ${config.timeout} ms: ${truncate(output, 1024)}`, { cause: error });
    const how = typeof error.code === 'number' ? `exited with code ${error.code}` : error.signal ? `was killed by ${error.signal}` : `failed (${error.code ?? error.message})`;
    throw new AwoError('AWO_ACTION_FAILED', truncate(`${config.executable} ${how}: ${output || error.message}`, 1024), { cause: error });
  });
};
