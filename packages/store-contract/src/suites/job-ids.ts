import { InvalidOptionError, type JobStore } from "@jobs/core";
import { describe, expect, it } from "vitest";
import {
	addIds,
	capable,
	declares,
	EMPTY,
	failure,
	job,
	LONG,
	rejectionOf,
	reserveOne,
	useHarness,
} from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

/** A job with a chosen id. */
const withId = (jobId: string, n: number | string = jobId) => job(n, { jobId });

/** Puts a job with id `jobId` into `state` through the store's own methods. */
async function seed(store: JobStore, jobId: string, state: string): Promise<void> {
	if (state === "delayed") {
		await addIds(store, [job(jobId, { jobId, delay: LONG })]);
		return;
	}
	await addIds(store, [withId(jobId)]);
	if (state === "ready") return;
	const leased = await reserveOne(store);
	if (state === "dead") await store.fail({ ...leased, error: failure("died") });
	if (state === "completed") await store.ack(leased);
}

/**
 * Capability `jobIds`: a job added with a `jobId` gets that id, and adding an id the store
 * already has (in any state, or completed and still remembered) changes nothing and says so.
 */
export function jobIdsContract(options: ContractOptions): void {
	describe("job ids", () => {
		const h = useHarness(options);

		it("gives a job the id it was added with", async () => {
			const store = capable(h().store, "jobIds");
			expect(await store.add([withId("order-17")])).toEqual([{ id: "order-17", created: true }]);
			expect((await reserveOne(store)).id).toBe("order-17");
		});

		it("keeps an id and a name of any characters exact through reserve and settle", async () => {
			const store = capable(h().store, "jobIds");
			// Multi-byte UTF-8 (2, 3 and 4 bytes), a comma, a colon and digits next to the text.
			const jobId = "café-ü,1:日本-😀9";
			const name = "送信,😀:é";
			await addIds(store, [{ name, payload: '{"ok":"ß"}', jobId }]);
			const leased = await reserveOne(store);
			expect(leased).toMatchObject({ id: jobId, name, payload: '{"ok":"ß"}', attempts: 1 });
			expect((await store.retry({ ...leased, delay: 0, error: failure("über,:1") })).ok).toBe(true);
			const again = await reserveOne(store);
			expect(again).toMatchObject({
				id: jobId,
				name,
				attempts: 2,
				lastError: { message: "über,:1" },
			});
			expect((await store.ack(again)).ok).toBe(true);
		});

		for (const state of ["ready", "delayed", "active", "dead", "completed"]) {
			it(`reports an id that exists (${state}) as existing, and changes nothing`, async () => {
				const store = capable(h().store, "jobIds");
				await seed(store, "order-1", state);
				const before = await store.stats();
				const again = await store.add([
					{ name: "other", payload: '{"other":true}', jobId: "order-1" },
				]);
				expect(again).toEqual([{ id: "order-1", created: false, existing: "jobId" }]);
				expect(await store.stats()).toMatchObject(before);
				if (state === "ready") {
					const leased = await reserveOne(store);
					expect(leased).toMatchObject({
						id: "order-1",
						name: "contract-job",
						payload: '{"n":"order-1"}',
					});
				}
			});
		}

		it("creates one job for an id given twice in one call, and the rest of the call as usual", async () => {
			const store = capable(h().store, "jobIds");
			const results = await store.add([withId("a", 1), job(2), withId("a", 3), withId("b", 4)]);
			expect(results.map((r) => [r.id === "a" || r.id === "b" ? r.id : "auto", r.created])).toEqual(
				[
					["a", true],
					["auto", true],
					["a", false],
					["b", true],
				],
			);
			expect(results[2]).toMatchObject({ existing: "jobId" });
			expect((await store.stats()).ready).toBe(3);
		});

		it("keeps chosen and assigned ids apart", async () => {
			const store = capable(h().store, "jobIds");
			const [auto] = await addIds(store, [job(1)]);
			await addIds(store, [withId(`x${auto}`)]);
			const [next] = await addIds(store, [job(2)]);
			expect(new Set([auto, `x${auto}`, next]).size).toBe(3);
		});

		it("finds a job by its chosen id when it declares lookup", async (ctx) => {
			const { store } = h();
			if (!declares(store, "lookup")) return ctx.skip("the store does not declare lookup");
			await addIds(capable(store, "jobIds"), [withId("invoice-9")]);
			expect(await capable(store, "lookup").getJob("invoice-9")).toMatchObject({
				id: "invoice-9",
				state: "ready",
			});
		});

		it.each([
			["an empty id", ""],
			["an all-digit id", "42"],
			["a non-string id", 42],
			["an id over 256 characters", "x".repeat(257)],
		])("refuses %s and adds nothing of the call", async (_label, jobId) => {
			const store = capable(h().store, "jobIds");
			const error = await rejectionOf(store.add([job(1), { ...job(2), jobId: jobId as string }]));
			expect(error).toBeInstanceOf(InvalidOptionError);
			expect(String((error as Error).message)).toMatch(/jobId/);
			expect(await store.stats()).toMatchObject(EMPTY);
		});
	});
}
