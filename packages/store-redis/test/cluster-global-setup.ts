/**
 * Builds a 3-master Redis Cluster from `redis-server` binaries on free loopback ports for the
 * `store-redis-cluster` project (or uses `REDIS_CLUSTER_NODES=host:port,…`). Without the
 * binaries the project skips with one loud line (a failure when `JOBS_REQUIRE_REDIS=1`).
 */
import { type RedisServer, startRedisServer } from "@jobs/test-support";
import { Redis } from "ioredis";
import type { TestProject } from "vitest/node";
import { hasBinary, REDIS_CLI, REDIS_SERVER, redisCli } from "./support/redis-cli.js";

declare module "vitest" {
	export interface ProvidedContext {
		/** `host:port` of each cluster master, comma-separated, or "" (the suite skips). */
		clusterNodes: string;
	}
}

async function clusterOk(port: number): Promise<boolean> {
	const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
	try {
		await client.connect();
		const info = await client.cluster("INFO");
		return info.includes("cluster_state:ok");
	} catch {
		return false;
	} finally {
		client.disconnect();
	}
}

export default async function setup(
	project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
	if (process.env.REDIS_CLUSTER_NODES) {
		project.provide("clusterNodes", process.env.REDIS_CLUSTER_NODES);
		return undefined;
	}
	if (!hasBinary(REDIS_SERVER) || !hasBinary(REDIS_CLI)) {
		const reason = `no Redis Cluster for ${project.name}: ${REDIS_SERVER} and ${REDIS_CLI} must be on PATH (or set REDIS_CLUSTER_NODES)`;
		if (process.env.JOBS_REQUIRE_REDIS === "1")
			throw new Error(`JOBS_REQUIRE_REDIS=1 and ${reason}`);
		console.warn(`\n[redis] SKIPPING ${project.name}: ${reason}\n`);
		project.provide("clusterNodes", "");
		return undefined;
	}
	const servers: RedisServer[] = [];
	const stopAll = async () => {
		await Promise.all(servers.map((s) => s.stop()));
	};
	try {
		for (let i = 0; i < 3; i++) {
			servers.push(
				await startRedisServer({
					args: [
						"--cluster-enabled",
						"yes",
						"--cluster-config-file",
						"nodes.conf",
						"--cluster-node-timeout",
						"2000",
					],
				}),
			);
		}
		const nodes = servers.map((s) => `127.0.0.1:${s.port}`);
		await redisCli(["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
		const deadline = Date.now() + 20_000;
		for (const server of servers) {
			while (!(await clusterOk(server.port))) {
				if (Date.now() > deadline)
					throw new Error("the test cluster did not reach cluster_state:ok in 20 s");
				await new Promise((r) => setTimeout(r, 100));
			}
		}
		project.provide("clusterNodes", nodes.join(","));
		return stopAll;
	} catch (error) {
		await stopAll();
		throw error;
	}
}
