/** The worker process (`node dist/worker.js`, with `REDIS_URL`), shared with the Hono example. */
import "@jobs/example-signup-common/worker";
