import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiServer, makeTestCerts, type KubeApiOptions, type TestCerts } from '@awo/testkit';

/** The bearer token the fake API server requires in these tests. */
export const KUBE_TOKEN = 'awo-test-token-0123456789';

/** One CA and server certificate per test file (openssl's key generation is slow on a busy machine); removed at exit. */
let shared: TestCerts | undefined;
function certs(): TestCerts {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), 'awo-kube-certs-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    shared = makeTestCerts(dir);
  }
  return shared;
}

/**
 * The fake Kubernetes API of `@awo/testkit` over HTTPS (a CA and certificate made with openssl),
 * requiring a bearer token, and a kubeconfig for it whose context `fake` points at it (its
 * current context, `other`, points at a closed port: the config must choose `fake`). Disposing
 * stops the server and removes the files.
 */
export async function fakeCluster(options: Omit<KubeApiOptions, 'tls' | 'token'> & { token?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'awo-kube-'));
  const tls = certs();
  const api = await KubeApiServer.start({ ...options, token: KUBE_TOKEN, tls: { cert: tls.cert, key: tls.key } });
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'), { token: options.token ?? KUBE_TOKEN, ca: tls.ca, context: 'fake' });
  return {
    api,
    dir,
    certs: tls,
    kubeconfig,
    /** The `kubeconfig` field of an action or source config for this server. */
    credentials: { path: kubeconfig, context: 'fake' },
    async [Symbol.asyncDispose]() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
