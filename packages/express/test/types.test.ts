/**
 * Type tests: checked by `tsc -p tsconfig.test.json` (`pnpm typecheck`); at run time they only
 * build apps. A `@ts-expect-error` that stops erroring fails the typecheck.
 */
import { JobQueue, type JobStore } from "@jobs/core";
import express, { type ErrorRequestHandler, type RequestHandler } from "express";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
	type AnyJobQueue,
	getQueue,
	type JobsErrorStatus,
	jobs,
	jobsErrorHandler,
	jobsErrorStatus,
} from "../src/index.js";

type Jobs = {
	"send-welcome": { email: string };
	report: { id: number };
};
// Never called: the apps below are built, not run.
const queue = new JobQueue<Jobs>({ store: { capabilities: {} } as JobStore });

describe("types", () => {
	it("types getQueue<typeof queue>(req) with the job map", () => {
		const app = express();
		app.use(jobs(queue));
		app.post("/signup", async (req, res) => {
			const q = getQueue<typeof queue>(req);
			expectTypeOf(q).toEqualTypeOf<JobQueue<Jobs>>();
			await q.add("send-welcome", { email: "a@b.co" });
			await q.add("report", { id: 42 }, { delay: 1_000 });
			// @ts-expect-error unknown job name
			await q.add("send-welcom", { email: "a@b.co" });
			// @ts-expect-error misspelt data key
			await q.add("send-welcome", { emial: "a@b.co" });
			// @ts-expect-error wrong data type
			await q.add("report", { id: "42" });
			res.sendStatus(201);
		});
	});

	it("leaves Express's Request alone without the opt-in global entry point", () => {
		express().get("/", (req, res) => {
			// @ts-expect-error no req.queue without `@jobs/express/global`
			req.queue;
			res.end();
		});
	});

	it("gives an untyped queue from getQueue(req) without a type argument", () => {
		express().get("/", async (req, res) => {
			expectTypeOf(getQueue(req)).toEqualTypeOf<AnyJobQueue>();
			await getQueue(req).add("anything", { at: 1 });
			res.end();
		});
	});

	it("declares explicit, portable types for its exports", () => {
		expectTypeOf(jobs(queue)).toEqualTypeOf<RequestHandler>();
		expectTypeOf(jobsErrorHandler()).toEqualTypeOf<ErrorRequestHandler>();
		expectTypeOf(jobsErrorStatus).returns.toEqualTypeOf<JobsErrorStatus | undefined>();
	});

	it("rejects what is not a queue", () => {
		// @ts-expect-error not a JobQueue
		expect(() => jobs({ enqueue: () => Promise.resolve("1") })).toThrow(TypeError);
		// @ts-expect-error getQueue's type argument must be a queue
		getQueue<{ add(): void }>;
	});
});
