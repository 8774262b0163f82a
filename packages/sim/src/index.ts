export { sleepProcessor } from './sleep.js';
export { Arrivals, rateAt, defaultShape, type LoadShape } from './load.js';
export { OrderGenerator, type BadPhase, type Order } from './orders.js';
export { SloMeter } from './slo.js';
export { autoscaleDemoConfig, type DemoOverrides, type DemoSettings } from './autoscale-config.js';
export { qualityDemoConfig, QUALITY_LIMITS, type QualityDemoSettings } from './quality-config.js';
export { spawnMember, type MemberMessage, type MemberProcess, type SpawnMemberOptions } from './member-process.js';
export { contendedProcessor, type ContendedProcessor } from './contended.js';
