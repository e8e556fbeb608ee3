/**
 * `@jobs/express` against one store, run once per store (memory, Redis), over real HTTP to a
 * server listening on port 0: the adapter-independent suite of `@jobs/test-support`, plus what
 * only Express has.
 */
import type { AddressInfo } from "node:net";
import type { JobQueue } from "@jobs/core";
import { describeAdapter, type Jobs, type StoreHarness } from "@jobs/test-support/adapter-suite";
import express, { type Express } from "express";
import { afterEach, expect, it } from "vitest";
import { getQueue, jobs, jobsErrorHandler } from "../src/index.js";

/** Serves `app` on a free loopback port; resolves its base URL and a closer. */
export async function listen(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
	const server = await new Promise<ReturnType<Express["listen"]>>((resolve, reject) => {
		const s = app.listen(0, "127.0.0.1", (error?: Error) => (error ? reject(error) : resolve(s)));
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
				server.closeAllConnections();
			}),
	};
}

export function signupApp(queue: JobQueue<Jobs>): Express {
	const app = express();
	app.use(express.json());
	app.use(jobs(queue));
	app.post("/signup", async (req, res) => {
		const { email } = req.body as { email: string };
		const delay = req.query.delay;
		const { id } = await getQueue<typeof queue>(req).add(
			"send-welcome",
			{ email },
			typeof delay === "string" ? { delay: Number(delay) } : undefined,
		);
		res.status(201).json({ id });
	});
	app.use(jobsErrorHandler());
	return app;
}

export function describeExpressAdapter(storeName: string, harness: StoreHarness): void {
	describeAdapter(
		{
			name: "@jobs/express",
			serveSignup: async (queue) => {
				const server = await listen(signupApp(queue));
				return {
					request: (path, init) => fetch(`${server.url}${path}`, init),
					close: server.close,
				};
			},
			ownTests(queue) {
				const closers: (() => Promise<void>)[] = [];
				afterEach(async () => {
					await Promise.all(closers.splice(0).map((close) => close()));
				});

				it("puts the queue on req.queue", async () => {
					const app = express();
					app.use(jobs(queue()));
					app.get("/", (req, res) => {
						res.json({
							raw: (req as { queue?: unknown }).queue === queue(),
							get: getQueue(req) === queue(),
						});
					});
					const server = await listen(app);
					closers.push(server.close);
					const res = await fetch(server.url);
					expect(await res.json()).toEqual({ raw: true, get: true });
				});
			},
		},
		storeName,
		harness,
	);
}
