/** Redis for the `express-redis` project, in DESIGN's order (see `@jobs/test-support`). */
import { redisGlobalSetup } from "@jobs/test-support";

export default redisGlobalSetup("express-redis");
