/** Redis for the `hono-redis` project, in DESIGN's order (see `@jobs/test-support`). */
import { redisGlobalSetup } from "@jobs/test-support";

export default redisGlobalSetup("hono-redis");
