import { describeJobStoreContract } from "@jobs/store-contract";
import { afterAll, describe, expect, inject, it } from "vitest";
import { queueKeys, RedisJobStore } from "../src/index.js";
import { clusterClient, dropKeys, sleep, uniquePrefix } from "./support/harness.js";

const nodes = inject("clusterNodes");

/** Prefixes that would split a naive `{prefix}` layout over several slots, or break it. */
const ODD_PREFIXES = [
	"a b",
	"x{y}",
	"{}",
	"}x",
	"a{b",
	"{a",
	"x{}y{z}",
	"{{}}",
	"emoji 🚀",
	"jobs",
];

if (nodes) {
	const cluster = clusterClient(nodes);
	afterAll(() => cluster.quit());

	describeJobStoreContract("RedisJobStore on Redis Cluster", {
		createHarness() {
			const store = RedisJobStore.fromClient(cluster, { prefix: uniquePrefix() });
			return {
				store,
				elapse: sleep,
				close: async () => {
					await store.close();
					await dropKeys(cluster, store);
				},
			};
		},
	});

	describe("key layout on Redis Cluster", () => {
		for (const prefix of ODD_PREFIXES) {
			it(`maps every key of prefix ${JSON.stringify(prefix)} to one hash slot`, async () => {
				const keys = queueKeys(prefix);
				const slots = await Promise.all(
					Object.values(keys).map((key) => cluster.cluster("KEYSLOT", key)),
				);
				expect(new Set(slots).size).toBe(1);
			});
		}

		it("runs every operation under odd prefixes without CROSSSLOT errors", async () => {
			for (const label of ODD_PREFIXES) {
				const store = RedisJobStore.fromClient(cluster, { prefix: `${label}:${uniquePrefix()}` });
				try {
					const [id] = (
						await store.add([
							{ name: "n", payload: "{}" },
							{ name: "d", payload: "{}", delay: 50 },
						])
					).map((r) => r.id);
					const [leased] = await store.reserve({ limit: 1, leaseMs: 10_000 });
					expect(leased?.id).toBe(id);
					await store.fail({ id: leased!.id, token: leased!.token, error: { message: "x" } });
					expect(await store.extend({ leases: [leased!], leaseMs: 1_000 })).toEqual([
						{ ok: false, reason: "stale" },
					]);
					expect(await store.sweep({ limit: 10 })).toBe(0);
					expect(await store.stats()).toMatchObject({ ready: 0, delayed: 1, active: 0, dead: 1 });
					expect(await store.deadLetter()).toHaveLength(1);
					expect(await store.retryDead({ all: true })).toBe(1);
					expect(await store.removeDead({ all: true })).toBe(0);
				} finally {
					await store.close();
					await dropKeys(cluster, store);
				}
			}
		});
	});
} else {
	describe.skip("RedisJobStore on Redis Cluster (no cluster)", () => {
		it("needs redis-server and redis-cli", () => {});
	});
}
