/**
 * `@jobs/example-signup-common`: what the Hono and Express signup examples share. The worker
 * process is `@jobs/example-signup-common/worker`; the end-to-end suite `…/e2e`.
 */
export {
	fakeMailer,
	type Jobs,
	openQueue,
	registerHandlers,
	type SignupQueue,
	type StoreKind,
} from "./jobs.js";
export { closeOnSignals, redactUrl } from "./lifecycle.js";
export {
	BAD_EMAIL,
	type Listen,
	type ListeningServer,
	NOT_JSON,
	parseSignup,
	runSignupServer,
} from "./server.js";
