import { Cluster as RC } from 'ioredis';
import { startRedisCluster } from '@awo/testkit';
const n = await startRedisCluster();
const r = new RC(n.seeds.map((s) => ({ host: '127.0.0.1', port: Number(s.split(':')[1]) })));
try {
  for (const k of ['{a}:x', '{b}:x', '{c}:x']) {
    const res = await r.pipeline().xadd(k, '*', 'data', '1').call('WAIT', 1, 2000).exec();
    console.log(k, JSON.stringify(res), (await n.masterOf(k)).port);
  }
} finally { r.disconnect(); await n.stop(); }
