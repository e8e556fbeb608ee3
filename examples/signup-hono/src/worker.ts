/** The worker process (`node dist/worker.js`, with `REDIS_URL`): the one both signup examples share. */
import "@jobs/example-signup-common/worker";
