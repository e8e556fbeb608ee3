/** End to end, with real processes: the built server and worker (`pnpm build` first), and Redis. */
import { fileURLToPath } from "node:url";
import { describeSignupE2E } from "@jobs/example-signup-common/e2e";

describeSignupE2E({
	name: "signup-express",
	serverScript: fileURLToPath(new URL("../dist/server.js", import.meta.url)),
	workerScript: fileURLToPath(new URL("../dist/worker.js", import.meta.url)),
});
