export { resolveRedis, startRedisServer, answers, freePort, which, type RedisServer, type ResolvedRedis } from "./embedded-redis.js";
