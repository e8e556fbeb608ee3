// Wraps a JobStore so that every lease the store granted and every settle it confirmed lands in
// the ledger. The wrapper only observes: it passes every call through unchanged.
import { describeError, hr } from "./ledger-writer.mjs";

/**
 * @param {import("@jobs/core").JobStore} store
 * @param {{ write(event: object): void }} ledger
 * @param {{ leaseMs?: number }} info
 * @param {Map<string, string>} tokens id -> token of this process's latest lease of that id
 */
export function loggedStore(store, ledger, info, tokens) {
	const leased = (jobs, sent, via) => {
		for (const job of jobs) {
			tokens.set(job.id, job.token);
			ledger.write({
				t: "lease",
				id: job.id,
				token: job.token,
				attempts: job.attempts,
				name: job.name,
				lastError: job.lastError?.message,
				leaseMs: info.leaseMs,
				sent,
				via,
			});
		}
	};
	const settle = (op) => async (params) => {
		const sent = hr();
		const event = { id: params.id, token: params.token, op };
		ledger.write({ t: "settle-sent", ...event });
		let result;
		try {
			result = await store[op](params);
		} catch (error) {
			ledger.write({ t: "settle-error", ...event, sent, error: describeError(error) });
			throw error;
		}
		ledger.write({ t: "settle", ...event, ok: result.ok, sent });
		if (result.next?.length) leased(result.next, sent, op);
		return result;
	};
	const wrapped = {
		capabilities: store.capabilities,
		async add(jobs) {
			return store.add(jobs);
		},
		async reserve(params) {
			const sent = hr();
			const jobs = await store.reserve(params);
			leased(jobs, sent, "reserve");
			return jobs;
		},
		ack: settle("ack"),
		retry: settle("retry"),
		fail: settle("fail"),
		release: settle("release"),
		async extend(params) {
			const sent = hr();
			const result = await store.extend(params);
			ledger.write({
				t: "extend",
				ids: params.leases.map((l) => l.id),
				tokens: params.leases.map((l) => l.token),
				ok: result.map((r) => r.ok),
				sent,
			});
			return result;
		},
		async sweep(params) {
			const sent = hr();
			const n = await store.sweep(params);
			if (n > 0) ledger.write({ t: "sweep", n, limit: params.limit, sent });
			return n;
		},
		stats: () => store.stats(),
		deadLetter: (params) => store.deadLetter(params),
		retryDead: (selector) => store.retryDead(selector),
		removeDead: (selector) => store.removeDead(selector),
		close: () => store.close(),
	};
	// The methods of the capabilities it declares, passed through unlogged.
	for (const method of [
		"waitForJob",
		"getJob",
		"listJobs",
		"removeJob",
		"progress",
		"readEvents",
		"eventsCursor",
	]) {
		if (typeof store[method] === "function") wrapped[method] = (params) => store[method](params);
	}
	return wrapped;
}
