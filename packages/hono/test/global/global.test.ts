/**
 * Type tests of the opt-in `@jobs/hono/global` augmentation, in a program of their own
 * (`tsconfig.test-global.json`): the augmentation changes every Hono app it can see.
 */
import { JobQueue, type JobStore } from "@jobs/core";
import { Hono } from "hono";
import { describe, expectTypeOf, it } from "vitest";
import "../../src/global.js";
import { jobs, type RegisteredQueue } from "../../src/index.js";

type Jobs = { "send-welcome": { email: string } };
const queue = new JobQueue<Jobs>({ store: { capabilities: {} } as JobStore });

declare module "../../src/index.js" {
	interface Register {
		queue: typeof queue;
	}
}

describe("@jobs/hono/global", () => {
	it("types c.get('queue') on a bare new Hono() with the registered queue", () => {
		const app = new Hono();
		app.use(jobs(queue));
		app.post("/signup", async (c) => {
			expectTypeOf(c.get("queue")).toEqualTypeOf<JobQueue<Jobs>>();
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue<Jobs>>();
			await c.get("queue").add("send-welcome", { email: "a@b.co" });
			// @ts-expect-error unknown job name
			await c.get("queue").add("send-welcom", { email: "a@b.co" });
			// @ts-expect-error wrong data
			await c.var.queue.add("send-welcome", { emial: "a@b.co" });
			return c.body(null, 201);
		});
	});

	it("exposes the registered queue type", () => {
		expectTypeOf<RegisteredQueue>().toEqualTypeOf<JobQueue<Jobs>>();
	});
});
