/**
 * `@jobs/test-support`: helpers for the repository's own tests (private, never published).
 *
 * - {@link freePort}, {@link startRedisServer}: a disposable redis-server to kill and restart;
 * - {@link redisForTests}, {@link redisGlobalSetup}: Redis for a suite, in DESIGN's order;
 * - {@link startNode}, {@link killAll}: tracked `node` child processes.
 *
 * Imported as TypeScript source: vitest transforms it (its real path is outside node_modules).
 * @module
 */
export { type ChildProcessHandle, killAll, startNode } from "./processes.js";
export { redisForTests, redisGlobalSetup } from "./redis-for-tests.js";
export { freePort, type RedisServer, startRedisServer } from "./redis-server.js";
