import { type Capability, type JobStore, UnsupportedError } from "@jobs/core";
import { describe, expect, it } from "vitest";
import { job, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** The methods each capability promises, checked against what the store declares. */
const METHODS: Record<Capability, readonly string[]> = {
	waitForJob: ["waitForJob"],
	jobIds: [],
	unique: [],
	lookup: ["getJob", "listJobs"],
	remove: ["removeJob"],
	retention: [],
	progress: ["progress"],
	events: ["readEvents", "eventsCursor"],
	pause: ["pause", "resume", "isPaused"],
	priorities: [],
	rateLimit: ["setRateLimit", "getRateLimit"],
	globalConcurrency: ["setGlobalConcurrency", "getGlobalConcurrency"],
	groups: ["setGroupLimits", "getGroupLimits", "pauseGroup", "resumeGroup", "isGroupPaused"],
};

/** Options of `add` that belong to a capability, with a well-formed value of each. */
const ADD_OPTIONS = {
	jobIds: { jobId: "contract-id" },
	unique: { unique: { key: "contract-key", states: ["ready"], onConflict: "keep" } },
	retention: { retention: { completed: { count: 10 } } },
	priorities: { priority: 3 },
	groups: { group: "contract-group" },
} as const;

/**
 * The declaration itself: `capabilities` is an object of known names, each declared capability
 * comes with its methods, and an add option of a capability the store does not declare is
 * refused with `UnsupportedError`, storing nothing (never silently dropped).
 */
export function capabilitiesContract(options: ContractOptions): void {
	describe("capabilities", () => {
		const h = useHarness(options);

		it("declares only known capabilities, each with its methods", () => {
			const { store } = h();
			const declared = store.capabilities as Record<string, unknown>;
			expect(typeof declared).toBe("object");
			for (const [name, value] of Object.entries(declared)) {
				expect(Object.keys(METHODS), `unknown capability "${name}"`).toContain(name);
				expect(typeof value, `capabilities.${name}`).toBe("boolean");
				if (value !== true) continue;
				for (const method of METHODS[name as Capability]) {
					const fn = (store as unknown as Record<string, unknown>)[method];
					expect(typeof fn, `"${name}" is declared but store.${method} is missing`).toBe(
						"function",
					);
				}
			}
		});

		for (const [capability, extra] of Object.entries(ADD_OPTIONS)) {
			const option = Object.keys(extra)[0];
			it(`honours an add with ${option} if it declares "${capability}", else refuses it and stores nothing`, async () => {
				const { store } = h();
				if ((store.capabilities as Record<string, unknown>)[capability] === true) {
					const results = await store.add([job(1), job(2, extra)]);
					expect(results.map((r) => r.created)).toEqual([true, true]);
					expect((await store.stats()).ready).toBe(2);
					return;
				}
				const error = await addRejection(store, extra);
				expect(error).toBeInstanceOf(UnsupportedError);
				expect(error).toMatchObject({ code: "JOBS_UNSUPPORTED", capability });
				expect(await store.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
			});
		}
	});
}

async function addRejection(store: JobStore, extra: object): Promise<unknown> {
	return store.add([job(1), job(2, extra)]).then(
		(results) => new Error(`add resolved ${JSON.stringify(results)}`),
		(error: unknown) => error,
	);
}
