export { resolveRedis, startRedisServer, answers, freePort, which, type RedisServer, type ResolvedRedis } from "./embedded-redis.js";
export { AGENT_NAMES, buildAgents, startAgents, stopAgents, type AgentName } from './agents.js';
export { SloMeter } from './demo/slo.js';
export { Arrivals, rateAt, defaultShape, type LoadShape } from './demo/load.js';
export { autoscaleDemoConfig } from './demo/config.js';
export { runAutoscaleDemo, type AutoscaleSummary } from './commands/demo.js';
export { indexSpans, renderTrace, upstreamChain } from './trace/tree.js';
export { runQualityDemo, type QualitySummary, type QualityDemoOptions } from './demo/quality.js';
export { qualityDemoConfig, QUALITY_LIMITS } from './demo/quality-config.js';
