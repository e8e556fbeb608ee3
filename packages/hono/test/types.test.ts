/**
 * Type tests: checked by `tsc -p tsconfig.test.json` (`pnpm typecheck`); at run time they only
 * build apps. A `@ts-expect-error` that stops erroring fails the typecheck.
 */
import { JobQueue, type JobStore } from "@jobs/core";
import { type Context, type ErrorHandler, Hono, type MiddlewareHandler } from "hono";
import { describe, expect, expectTypeOf, it } from "vitest";
import {
	type JobsEnv,
	type JobsErrorStatus,
	type JobsVariables,
	jobs,
	jobsErrorHandler,
	jobsErrorStatus,
} from "../src/index.js";

type Jobs = {
	"send-welcome": { email: string };
	report: { id: number };
};
// Never called: the apps below are built, not run.
const store = { capabilities: {} } as JobStore;
const queue = new JobQueue<Jobs>({ store });

describe("types", () => {
	it("types c.get('queue') and c.var.queue with the job map under new Hono<JobsEnv<…>>()", () => {
		const app = new Hono<JobsEnv<typeof queue>>();
		app.use(jobs(queue));
		app.post("/signup", async (c) => {
			expectTypeOf(c.get("queue")).toEqualTypeOf<JobQueue<Jobs>>();
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue<Jobs>>();
			await c.get("queue").add("send-welcome", { email: "a@b.co" });
			await c.var.queue.add("report", { id: 42 }, { delay: 1_000 });
			// @ts-expect-error unknown job name
			await c.get("queue").add("send-welcom", { email: "a@b.co" });
			// @ts-expect-error misspelt data key
			await c.var.queue.add("send-welcome", { emial: "a@b.co" });
			// @ts-expect-error wrong data type
			await c.var.queue.add("report", { id: "42" });
			// @ts-expect-error data of another job
			await c.var.queue.add("report", { email: "a@b.co" });
			return c.body(null, 201);
		});
	});

	it("types the queue when chained on a bare new Hono()", () => {
		new Hono().use(jobs(queue)).post("/signup", async (c) => {
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue<Jobs>>();
			expectTypeOf(c.get("queue").add<"report">)
				.parameter(1)
				.toEqualTypeOf<{ id: number }>();
			// @ts-expect-error unknown job name
			await c.var.queue.add("nope", {});
			return c.body(null, 201);
		});
	});

	it("does not invent a queue on apps without the middleware or env", () => {
		new Hono().get("/", (c) => {
			// @ts-expect-error no such variable
			c.get("queue");
			return c.body(null);
		});
	});

	it("does not type the queue from a separate app.use() on a bare new Hono() (chain or declare the env)", () => {
		const app = new Hono();
		app.use(jobs(queue));
		app.get("/", (c) => {
			// @ts-expect-error Hono cannot see a statement's middleware in the app's type
			c.get("queue");
			return c.body(null);
		});
	});

	it("merges with other variables by intersection", () => {
		type Env = JobsEnv<typeof queue> & { Variables: { user: string } };
		const app = new Hono<Env>();
		app.use(jobs(queue));
		app.get("/", (c) => {
			expectTypeOf(c.var.user).toEqualTypeOf<string>();
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue<Jobs>>();
			return c.body(null);
		});
		type Vars = JobsVariables<typeof queue> & { requestId: string };
		new Hono<{ Variables: Vars }>().use(jobs(queue)).get("/", (c) => {
			expectTypeOf(c.var.requestId).toEqualTypeOf<string>();
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue<Jobs>>();
			return c.body(null);
		});
	});

	it("accepts an untyped queue, whose add takes any name", () => {
		const untyped = new JobQueue({ store });
		new Hono().use(jobs(untyped)).post("/", async (c) => {
			expectTypeOf(c.var.queue).toEqualTypeOf<JobQueue>();
			await c.var.queue.add("anything", { at: 1 });
			return c.body(null);
		});
	});

	it("declares explicit, portable types for its exports", () => {
		expectTypeOf(jobs(queue)).toEqualTypeOf<MiddlewareHandler<JobsEnv<JobQueue<Jobs>>>>();
		expectTypeOf(jobsErrorHandler()).toEqualTypeOf<ErrorHandler>();
		expectTypeOf(jobsErrorStatus).returns.toEqualTypeOf<JobsErrorStatus | undefined>();
		expectTypeOf<JobsErrorStatus>().toEqualTypeOf<400 | 404 | 409 | 503>();
		expectTypeOf<Parameters<ErrorHandler>[1]>().toEqualTypeOf<Context>();
	});

	it("rejects what is not a queue", () => {
		// @ts-expect-error not a JobQueue
		expect(() => jobs({ enqueue: () => Promise.resolve("1") })).toThrow(TypeError);
		// @ts-expect-error no argument
		expect(() => jobs()).toThrow(TypeError);
	});
});
