import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiServer, makeTestCerts, type KubeApiOptions } from '@awo/testkit';

/** The bearer token the fake API server requires in these tests. */
export const KUBE_TOKEN = 'awo-test-token-0123456789';

/**
 * The fake Kubernetes API of `@awo/testkit` over HTTPS (a CA and certificate made with openssl),
 * requiring a bearer token, and a kubeconfig for it whose context `fake` points at it (its
 * current context, `other`, points at a closed port: the config must choose `fake`). Disposing
 * stops the server and removes the files.
 */
export async function fakeCluster(options: Omit<KubeApiOptions, 'tls' | 'token'> & { token?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'awo-kube-'));
  const certs = makeTestCerts(dir);
  const api = await KubeApiServer.start({ ...options, token: KUBE_TOKEN, tls: { cert: certs.cert, key: certs.key } });
  const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'), { token: options.token ?? KUBE_TOKEN, ca: certs.ca, context: 'fake' });
  return {
    api,
    dir,
    certs,
    kubeconfig,
    /** The `kubeconfig` field of an action or source config for this server. */
    credentials: { path: kubeconfig, context: 'fake' },
    async [Symbol.asyncDispose]() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
