/**
 * Wake-ups on Redis Cluster follow the queue's slot: an idle worker blocked in BLPOP while the
 * slot moves to another node is still woken by a job added afterwards (Redis redirects the
 * blocked call, and ioredis follows it to the new node).
 */
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { RedisJobStore } from "../src/index.js";
import { clusterClient, clusterNodes, dropKeys, sleep, uniquePrefix } from "./support/harness.js";

const nodes = inject("clusterNodes");
const LONG = 600_000;

describe.skipIf(!nodes)("wake-ups on Redis Cluster", () => {
	const cluster = nodes ? clusterClient(nodes) : undefined;
	afterAll(() => cluster?.quit());

	/** Each master's id and port, and which of them serves `slot` (by `CLUSTER SLOTS`). */
	async function mastersOf(admin: Redis, slot: number) {
		const ranges = (await admin.cluster("SLOTS")) as unknown as [
			number,
			number,
			[string, number, string],
		][];
		const all = ranges.map(([, , [, port, id]]) => ({ id, port }));
		const owner = ranges.find(([from, to]) => slot >= from && slot <= to)![2];
		return { all, owner: { id: owner[2], port: owner[1] } };
	}

	/** Moves `slot` from the master `from` to `to`, keys included (as redis-cli --cluster reshard does). */
	async function moveSlot(
		slot: number,
		from: { id: string; port: number },
		to: { id: string; port: number },
		all: { port: number }[],
	) {
		const at = (port: number) => new Redis({ host: "127.0.0.1", port });
		const source = at(from.port);
		const target = at(to.port);
		try {
			await target.cluster("SETSLOT", slot, "IMPORTING", from.id);
			await source.cluster("SETSLOT", slot, "MIGRATING", to.id);
			for (;;) {
				const keys = (await source.cluster("GETKEYSINSLOT", slot, 100)) as string[];
				if (keys.length === 0) break;
				await source.migrate("127.0.0.1", to.port, "", 0, 5_000, "KEYS", ...keys);
			}
			for (const node of [
				to,
				from,
				...all.filter((n) => n.port !== to.port && n.port !== from.port),
			]) {
				const client = at(node.port);
				await client.cluster("SETSLOT", slot, "NODE", to.id);
				client.disconnect();
			}
		} finally {
			source.disconnect();
			target.disconnect();
		}
	}

	it("wakes a worker that was blocked when the queue's slot moved to another node", async () => {
		const prefix = uniquePrefix("wake-move");
		const worker = RedisJobStore.fromClient(cluster!, { prefix });
		const producer = RedisJobStore.fromClient(cluster!, { prefix });
		const admin = new Redis(clusterNodes(nodes)[0]!);
		try {
			const slot = (await admin.cluster("KEYSLOT", worker.keys.wake)) as number;
			const { all, owner } = await mastersOf(admin, slot);
			const next = all.find((m) => m.id !== owner.id)!;
			await producer.add([{ name: "before", payload: "{}" }]);
			const [first] = await worker.reserve({ limit: 1, leaseMs: LONG });
			await worker.ack(first!);
			expect(await worker.reserve({ limit: 1, leaseMs: LONG })).toEqual([]);
			await cluster!.del(worker.keys.wake); // the token the first add left

			const abort = new AbortController();
			let woken = false;
			const waiting = worker.waitForJob({ timeoutMs: 15_000, signal: abort.signal }).then(() => {
				woken = true;
			});
			await sleep(200); // blocked in BLPOP on the slot's current node
			expect(woken).toBe(false);
			await moveSlot(slot, owner, next, all);
			expect((await mastersOf(admin, slot)).owner.id).toBe(next.id);

			const started = Date.now();
			const [added] = await producer.add([{ name: "after", payload: "{}" }]);
			await waiting;
			// Woken by the job (well before the 15 s timeout), on whichever node now holds the slot.
			expect(Date.now() - started).toBeLessThan(10_000);
			const [leased] = await worker.reserve({ limit: 1, leaseMs: LONG });
			expect(leased?.id).toBe(added!.id);
			await worker.ack(leased!);
		} finally {
			admin.disconnect();
			await worker.close();
			await producer.close();
			await dropKeys(cluster!, worker);
		}
	});
});
