/**
 * `@jobs/example-signup-common/e2e`: the end-to-end suite of a signup example, with real
 * processes: its built server, its built worker and a disposable redis-server. The example is
 * built first (`pnpm build`). Imported as TypeScript source by the examples' vitest tests.
 * @module
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { RedisJobStore } from "@jobs/store-redis";
import { type ChildProcessHandle, killAll, startNode, startRedisServer } from "@jobs/test-support";
import { afterEach, describe, expect, it } from "vitest";

/** Bodies that must get a 400 and enqueue nothing: [what, body]. */
const BAD_INPUTS: [string, string | undefined][] = [
	["no body", undefined],
	["malformed JSON", '{"email":'],
	["no email", "{}"],
	["an email that is not an address", '{"email":"not-an-email"}'],
	["an email that is not a string", '{"email":42}'],
	["JSON that is not an object", '"ada@example.com"'],
];

const EMPTY = { ready: 0, delayed: 0, active: 0, dead: 0 };

/** POSTs `body` to `<url>/signup`, as JSON unless told otherwise. */
export const postSignup = (
	url: string,
	body: string | undefined,
	contentType = "application/json",
) =>
	fetch(`${url}/signup`, {
		method: "POST",
		headers: body === undefined ? {} : { "content-type": contentType },
		body,
	});

/** What {@link describeSignupE2E} runs. */
export interface SignupE2EOptions {
	/** The example's name in test names and the skip line: `signup-hono`. */
	name: string;
	/** Absolute path of the built server script (`dist/server.js`). */
	serverScript: string;
	/** Absolute path of the built worker script (`dist/worker.js`). */
	workerScript: string;
}

/**
 * Declares the example's end-to-end tests: on Redis, 201 at once with the job processed by the
 * separate worker process, bad input 400 with nothing enqueued, SIGTERM draining a running job
 * and exiting 0, 503 while Redis is down; and dev mode on the memory store. Without redis-server
 * on PATH the Redis part is skipped with one loud line (a failure with `JOBS_REQUIRE_REDIS=1`).
 */
export function describeSignupE2E({ name, serverScript, workerScript }: SignupE2EOptions): void {
	const hasRedisServer =
		spawnSync(process.env.REDIS_SERVER_BIN ?? "redis-server", ["--version"]).status === 0;
	if (!hasRedisServer) {
		if (process.env.JOBS_REQUIRE_REDIS === "1") {
			throw new Error("JOBS_REQUIRE_REDIS=1 but redis-server is not on PATH");
		}
		console.warn(
			`\n[redis] SKIPPING the Redis end-to-end tests of ${name}: redis-server is not on PATH\n`,
		);
	}

	/** The example's processes run as in production, on this test's Redis or none. */
	const start = (script: string, env: Record<string, string>) =>
		startNode(script, { env: { REDIS_URL: "", NODE_ENV: "production", ...env } });

	/** Starts the server and resolves once it listens, with its base URL. */
	async function startServer(
		env: Record<string, string>,
	): Promise<{ server: ChildProcessHandle; url: string }> {
		const server = start(serverScript, { PORT: "0", ...env });
		const [, url] = await server.waitFor(/listening on (http:\/\/\S+)/);
		return { server, url: url! };
	}

	afterEach(async () => {
		await killAll(); // only does something when a test failed half-way
	});

	describe.skipIf(!hasRedisServer)(`${name} on Redis, with a separate worker process`, () => {
		it("answers 201 at once, and the worker process sends the mail; bad input gets 400 and enqueues nothing", async () => {
			const redis = await startRedisServer();
			const env = {
				REDIS_URL: redis.url,
				JOBS_PREFIX: `e2e-${randomUUID()}`,
				MAILER_DELAY_MS: "1500",
			};
			const inspector = await RedisJobStore.connect({ url: redis.url, prefix: env.JOBS_PREFIX });
			try {
				const { server, url } = await startServer(env);
				await server.waitFor(/enqueuing to redis:\/\/127\.0\.0\.1:\d+/);

				for (const [what, body] of BAD_INPUTS) {
					const res = await postSignup(url, body);
					expect(res.status, what).toBe(400);
					expect(await res.json(), what).toEqual({ error: expect.any(String) });
				}
				expect(await inspector.stats()).toMatchObject(EMPTY);

				// No worker runs yet: the request is answered, the job waits in Redis.
				const res = await postSignup(url, JSON.stringify({ email: "ada@example.com" }));
				expect(res.status).toBe(201);
				const { id } = (await res.json()) as { id: string };
				expect(await inspector.stats()).toMatchObject({ ...EMPTY, ready: 1 });

				const worker = start(workerScript, env);
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
				expect(await inspector.stats()).toMatchObject(EMPTY);

				expect(await server.stop("SIGTERM")).toEqual({ code: 0, signal: null });
				expect(server.output).toContain("[server] HTTP server closed");
				expect(server.output).toContain("[server] queue closed: Redis connections closed");
				expect(server.output).toContain("[server] shut down cleanly");
			} finally {
				await inspector.close();
				await redis.stop();
			}
		});

		it("answers 503 while Redis is down, and still shuts down cleanly", async () => {
			const redis = await startRedisServer();
			const { server, url } = await startServer({
				REDIS_URL: redis.url,
				JOBS_PREFIX: `e2e-${randomUUID()}`,
			});
			redis.kill("SIGKILL");
			await redis.stop(); // only waits: it is gone already

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

	describe(`${name} in dev mode (no REDIS_URL): one process, memory store`, () => {
		it("runs the job in-process, rejects bad input with 400, and drains on SIGTERM", async () => {
			const { server, url } = await startServer({});
			await server.waitFor(/no REDIS_URL: jobs run in this process/);

			for (const [what, body] of BAD_INPUTS) {
				const res = await postSignup(url, body);
				expect(res.status, what).toBe(400);
			}
			expect(await (await fetch(`${url}/stats`)).json()).toMatchObject(EMPTY);
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
}
