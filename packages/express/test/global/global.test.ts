/**
 * Type tests of the opt-in `@jobs/express/global` augmentation, in a program of their own
 * (`tsconfig.test-global.json`): the augmentation changes every Express `Request` it can see.
 */
import { JobQueue, type JobStore } from "@jobs/core";
import express from "express";
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

describe("@jobs/express/global", () => {
	it("types req.queue with the registered queue", () => {
		const app = express();
		app.use(jobs(queue));
		app.post("/signup", async (req, res) => {
			expectTypeOf(req.queue).toEqualTypeOf<JobQueue<Jobs>>();
			await req.queue.add("send-welcome", { email: "a@b.co" });
			// @ts-expect-error unknown job name
			await req.queue.add("send-welcom", { email: "a@b.co" });
			// @ts-expect-error wrong data
			await req.queue.add("send-welcome", { emial: "a@b.co" });
			res.sendStatus(201);
		});
	});

	it("exposes the registered queue type", () => {
		expectTypeOf<RegisteredQueue>().toEqualTypeOf<JobQueue<Jobs>>();
	});
});
