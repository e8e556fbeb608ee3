/**
 * End to end, with real processes: the built server (dist/server.js), the built worker
 * (dist/worker.js) and a disposable redis-server. Run `pnpm build` first.
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { RedisJobStore } from "@jobs/store-redis";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, postSignup, startNode, startRedis, startServer } from "./processes.js";

/** Bodies that must get a 400 and enqueue nothing: [what, body, content type]. */
const BAD_INPUTS: [string, string | undefined][] = [
	["no body", undefined],
	["malformed JSON", '{"email":'],
	["no email", "{}"],
	["an email that is not an address", '{"email":"not-an-email"}'],
	["an email that is not a string", '{"email":42}'],
	["JSON that is not an object", '"ada@example.com"'],
];

const hasRedisServer =
	spawnSync(process.env.REDIS_SERVER_BIN ?? "redis-server", ["--version"]).status === 0;
if (!hasRedisServer) {
	if (process.env.JOBS_REQUIRE_REDIS === "1") {
		throw new Error("JOBS_REQUIRE_REDIS=1 but redis-server is not on PATH");
	}
	console.warn(
		"\n[redis] SKIPPING the Redis end-to-end tests of signup-hono: redis-server is not on PATH\n",
	);
}

afterEach(async () => {
	await killAll(); // only does something when a test failed half-way
});

const EMPTY = { ready: 0, delayed: 0, active: 0, dead: 0 };

describe.skipIf(!hasRedisServer)("signup-hono on Redis, with a separate worker process", () => {
	it("answers 201 at once, and the worker process sends the mail; bad input gets 400 and enqueues nothing", async () => {
		const redis = (await startRedis())!;
		const env = {
			REDIS_URL: redis.url,
			JOBS_PREFIX: `e2e-${randomUUID()}`,
			MAILER_DELAY_MS: "1500",
		};
		const inspector = await RedisJobStore.connect({ url: redis.url, prefix: env.JOBS_PREFIX });
		try {
			const { proc: server, url } = await startServer(env);
			await server.waitFor(/enqueuing to redis:\/\/127\.0\.0\.1:\d+/);

			for (const [what, body] of BAD_INPUTS) {
				const res = await postSignup(url, body);
				expect(res.status, what).toBe(400);
				expect(await res.json(), what).toEqual({ error: expect.any(String) });
			}
			expect(await inspector.stats()).toEqual(EMPTY);

			// No worker runs yet: the request is answered, the job waits in Redis.
			const res = await postSignup(url, JSON.stringify({ email: "ada@example.com" }));
			expect(res.status).toBe(201);
			const { id } = (await res.json()) as { id: string };
			expect(await inspector.stats()).toEqual({ ...EMPTY, ready: 1 });

			const worker = startNode("worker.js", env);
			await worker.waitFor(new RegExp(`sent welcome mail to ada@example\\.com \\(job ${id}\\)`));
			expect(server.output).not.toContain("[mailer]");

			// SIGTERM while a job runs: the worker finishes it, then exits 0.
			const second = await postSignup(url, JSON.stringify({ email: "grace@example.com" }));
			const { id: secondId } = (await second.json()) as { id: string };
			await worker.waitFor(
				new RegExp(`sending welcome mail to grace@example\\.com \\(job ${secondId}\\)`),
			);
			expect(await worker.stop("SIGTERM")).toEqual({ code: 0, signal: null });
			const out = worker.output;
			expect(out).toContain("[worker] SIGTERM: shutting down");
			expect(
				out.indexOf(`sent welcome mail to grace@example.com (job ${secondId})`),
			).toBeGreaterThan(out.indexOf("[worker] SIGTERM"));
			expect(out.indexOf("[worker] drained; Redis connections closed")).toBeGreaterThan(
				out.indexOf("sent welcome mail to grace"),
			);
			expect(out).toContain("[worker] shut down cleanly");
			expect(await inspector.stats()).toEqual(EMPTY);

			expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
			expect(server.output).toContain("[server] HTTP server closed");
			expect(server.output).toContain("[server] queue closed: Redis connections closed");
			expect(server.output).toContain("[server] shut down cleanly");
		} finally {
			await inspector.close();
			await redis.proc.stop("SIGTERM");
		}
	});

	it("answers 503 while Redis is down, and still shuts down cleanly", async () => {
		const redis = (await startRedis())!;
		const { proc: server, url } = await startServer({
			REDIS_URL: redis.url,
			JOBS_PREFIX: `e2e-${randomUUID()}`,
		});
		await redis.proc.stop("SIGKILL");

		const res = await postSignup(url, JSON.stringify({ email: "ada@example.com" }));
		expect(res.status).toBe(503);
		expect(await res.json()).toEqual({
			error: "job store unavailable",
			code: "JOBS_STORE_UNAVAILABLE",
		});

		expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
		expect(server.output).toContain("[server] shut down cleanly");
	});
});

describe("signup-hono in dev mode (no REDIS_URL): one process, memory store", () => {
	it("runs the job in-process, rejects bad input with 400, and drains on SIGTERM", async () => {
		const { proc: server, url } = await startServer({});
		await server.waitFor(/no REDIS_URL: jobs run in this process/);

		for (const [what, body] of BAD_INPUTS) {
			const res = await postSignup(url, body);
			expect(res.status, what).toBe(400);
		}
		expect(await (await fetch(`${url}/stats`)).json()).toEqual(EMPTY);
		expect(server.output).not.toContain("[mailer]");

		const res = await postSignup(url, JSON.stringify({ email: "ada@example.com" }));
		expect(res.status).toBe(201);
		const { id } = (await res.json()) as { id: string };
		await server.waitFor(new RegExp(`sent welcome mail to ada@example\\.com \\(job ${id}\\)`));

		expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
		expect(server.output).toContain(
			"[server] queue closed: in-process worker drained, memory store closed",
		);
		expect(server.output).toContain("[server] shut down cleanly");
	});
});
