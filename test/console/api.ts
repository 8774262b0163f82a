import { ApiServer } from '@awo/api';
import type { Demo } from './stack.js';

export interface RunningApi {
  /** The console's address, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  server: ApiServer;
  close(): Promise<void>;
}

/** The real API server (which serves the console at `/`) over the demo's Redis, on a free port. */
export async function startApi(demo: Demo): Promise<RunningApi> {
  const { runtime, config, log } = demo;
  const server = new ApiServer(
    { config, redis: runtime.redis, connect: (name, options) => runtime.connect(`api:${name}`, options), keys: runtime.keys, log, metrics: runtime.metrics.agent('api') },
    { host: '127.0.0.1', port: 0 },
  );
  await server.start();
  return { url: `http://127.0.0.1:${server.port}/`, server, close: () => server.close() };
}
