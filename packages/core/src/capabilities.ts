/**
 * Reading a store's {@link StoreCapabilities}: the one way the engine learns what a store can do.
 * @module
 */
import { UnsupportedError } from "./errors.js";
import type { Capability, CapabilityMethods, JobStore } from "./job-store.js";

/**
 * Whether `store` declares `capability`; narrows it to the capability's methods.
 *
 * @example
 * if (supports(store, "lookup")) await store.getJob(id);
 */
export function supports<C extends Capability>(
	store: JobStore,
	capability: C,
): store is JobStore & CapabilityMethods[C] {
	return store.capabilities?.[capability] === true;
}

/**
 * Narrows `store` like {@link supports}, or throws `UnsupportedError` naming the capability and
 * `what` (the call or option that needs it, e.g. `"add option jobId"`).
 */
export function requireCapability<C extends Capability>(
	store: JobStore,
	capability: C,
	what: string,
): asserts store is JobStore & CapabilityMethods[C] {
	if (!supports(store, capability)) throw new UnsupportedError(capability, what);
}
