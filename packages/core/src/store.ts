/**
 * `@jobs/core/store`: what a `JobStore` author needs beyond the types: the parameter checks every
 * store runs (so all stores refuse bad input with the same `JobsError`s), the capability guards,
 * and the engine's JSON encoding of job data.
 *
 * @example
 * import { checkNewJob, checkReserveParams } from "@jobs/core/store";
 * @module
 */
export { requireCapability, supports } from "./capabilities.js";
export type * from "./job-store.js";
export {
	JOB_EVENT_TYPES,
	JOB_STATES,
	MAX_GROUP_LENGTH,
	MAX_PAGE,
	MAX_PRIORITY,
	MAX_RATE_LIMIT,
} from "./job-store.js";
export {
	checkDeadSelector,
	checkDuration,
	checkErrorInfo,
	checkEventsOption,
	checkEventTypes,
	checkGlobalConcurrency,
	checkGroup,
	checkGroupLimits,
	checkInteger,
	checkJobId,
	checkJobKeep,
	checkKeep,
	checkKeepPolicy,
	checkLeaseRef,
	checkLimitFor,
	checkListParams,
	checkNewJob,
	checkPriority,
	checkRateLimit,
	checkReadEventsParams,
	checkReserveParams,
	checkState,
	checkUniqueSpec,
	checkUniqueStates,
	copyErrorInfo,
	DEFAULT_EVENTS_MAX_LEN,
	MAX_JOB_ID_LENGTH,
} from "./store-checks.js";
export { encodeJobData } from "./validate.js";
