import type { ApiServer } from '@awo/api';
import { apiAgent } from '../../packages/cli/src/commands/agents.js';
import type { Demo } from './stack.js';

export interface RunningApi {
  /** The console's address, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  server: ApiServer;
  close(): Promise<void>;
}

/**
 * The API server as `awo api` and `awo up` make it (the CLI's own `apiAgent`, which serves the
 * console at `/`), over the demo's runtime; `api.port: 0` in the demo's config picks a free port.
 */
export async function startApi(demo: Demo): Promise<RunningApi> {
  const server = apiAgent(demo.runtime, demo.log) as ApiServer;
  await server.start();
  return { url: `http://127.0.0.1:${server.port}/`, server, close: () => server.close() };
}
