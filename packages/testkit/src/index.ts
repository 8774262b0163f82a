// Test helpers, one of each. The Redis launcher and prefix deletion are @awo/shared's (the CLI's
// embedded Redis and the demos use them too); they are re-exported here so tests import one place.
export { deletePrefix, freePort, startRedisServer, which, type RedisServer, type RedisServerOptions } from '@awo/shared';
export { cleanupPrefix, quietLogger, REDIS_URL, testPrefix } from './redis.js';
export { waitFor } from './wait-for.js';
export { Ledger } from './ledger.js';
export { sampleMessages } from './fixtures.js';
export { KubeApiServer, type KubeApiOptions, type KubeApiRequest, type KubeFault, type KubeRule, type Workload, type WorkloadKind } from './kube-api.js';
export { makeTestCerts, type TestCerts } from './certs.js';
export { loopConfigInput, type LoopConfigOptions } from './loop-config.js';
export { startRedisCluster, type RedisClusterHandle, type RedisClusterNode, type RedisClusterOptions } from './redis-cluster.js';
export { migrateSlot } from './cluster-migrate.js';
