/** Fresh, isolated stores for tests: a random prefix each, its keys deleted afterwards. */
import { randomUUID } from "node:crypto";
import type { ContractHarness } from "@jobs/store-contract";
import { Cluster, Redis as IORedis, type Redis } from "ioredis";
import { afterAll, afterEach, beforeAll } from "vitest";
import { RedisJobStore, type RedisJobStoreOptions } from "../../src/index.js";

/** Waits in real time: the store's clock is the Redis server's. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A prefix no other test uses. */
export const uniquePrefix = (label = "test") => `${label}:${randomUUID()}`;

/** The record buckets of `store`'s queue (`<jobs>*`), found by SCAN on every master. */
export async function bucketKeys(client: Redis | Cluster, store: RedisJobStore): Promise<string[]> {
	const nodes = client instanceof Cluster ? client.nodes("master") : [client];
	const pattern = `${store.keys.jobs.replace(/[*?[\]\\]/g, "\\$&")}*`;
	const found: string[] = [];
	for (const node of nodes) {
		let cursor = "0";
		do {
			const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
			found.push(...keys);
			cursor = next;
		} while (cursor !== "0");
	}
	return found;
}

/** Deletes every key of `store`'s queue. */
export async function dropKeys(client: Redis | Cluster, store: RedisJobStore): Promise<void> {
	const { jobs: _buckets, ...keys } = store.keys;
	const all = [...Object.values(keys), ...(await bucketKeys(client, store))];
	// One DEL per key: on a cluster they share a slot anyway, and this works on both.
	await Promise.all(all.map((key) => client.del(key)));
}

/**
 * For a describe block: an admin client on `url` (`admin()`), and `stores`, where its tests put
 * the stores they open; after each test each is closed and its keys deleted.
 */
export function storesCleanedUp(url: string): {
	admin: () => Redis;
	stores: RedisJobStore[];
	open: (prefix: string) => Promise<RedisJobStore>;
} {
	let client: Redis | undefined;
	const stores: RedisJobStore[] = [];
	beforeAll(() => {
		client = new IORedis(url);
	});
	afterEach(async () => {
		for (const store of stores.splice(0)) {
			await store.close();
			await dropKeys(client!, store);
		}
	});
	afterAll(() => {
		client?.disconnect();
	});
	// A store on `prefix` that owns its connections, closed and cleaned up after the test.
	const open = async (prefix: string) => {
		const store = await RedisJobStore.connect({ url, prefix });
		stores.push(store);
		return store;
	};
	return { admin: () => client!, stores, open };
}

/** A harness on a store that owns its connections to `url`. */
export async function connectHarness(
	url: string,
	admin: Redis,
	options: Omit<RedisJobStoreOptions, "url" | "prefix"> = {},
): Promise<ContractHarness> {
	const store = await RedisJobStore.connect({ url, prefix: uniquePrefix(), ...options });
	return {
		store,
		elapse: sleep,
		close: async () => {
			await store.close();
			await dropKeys(admin, store);
		},
	};
}

/** Parses `host:port,host:port` into cluster startup nodes. */
export function clusterNodes(spec: string): { host: string; port: number }[] {
	return spec.split(",").map((node) => {
		const [host, port] = node.split(":");
		return { host: host!, port: Number(port) };
	});
}

/** An ioredis Cluster client as a worker would configure it. */
export function clusterClient(spec: string): Cluster {
	return new Cluster(clusterNodes(spec), { redisOptions: { maxRetriesPerRequest: null } });
}
