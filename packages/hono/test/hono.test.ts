import { InvalidOptionError, JobQueue, StoreError } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import {
	describeJobsErrorStatus,
	type Jobs,
	unreachableStore,
} from "@jobs/test-support/adapter-suite";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type JobsEnv, jobs, jobsErrorHandler, jobsErrorStatus } from "../src/index.js";
import { describeHonoAdapter } from "./adapter-suite.js";

describeHonoAdapter("memory", {
	createStore: async () => new MemoryJobStore(),
	createUnreachableStore: async () => unreachableStore(),
});

describe("jobs(queue)", () => {
	const queues: JobQueue<Jobs>[] = [];
	const newQueue = () => {
		const queue = new JobQueue<Jobs>({ store: new MemoryJobStore() });
		queues.push(queue);
		return queue;
	};
	afterEach(async () => {
		await Promise.all(queues.splice(0).map((q) => q.close()));
	});

	it("types and sets the queue when chained on a plain new Hono()", async () => {
		const queue = newQueue();
		const app = new Hono().use(jobs(queue)).post("/signup", async (c) => {
			const { id } = await c.var.queue.add("send-welcome", { email: "ada@example.com" });
			return c.json({ id }, 201);
		});
		const res = await app.request("/signup", { method: "POST" });
		expect(res.status).toBe(201);
		expect(await queue.stats()).toMatchObject({ ready: 1 });
	});

	it("reaches routes of a sub-app mounted with app.route", async () => {
		const queue = newQueue();
		const api = new Hono<JobsEnv<typeof queue>>().get("/same", (c) =>
			c.json({ same: c.get("queue") === queue }),
		);
		const app = new Hono().use(jobs(queue)).route("/api", api);
		expect(await (await app.request("/api/same")).json()).toEqual({ same: true });
	});

	it("gives every request the same queue instance", async () => {
		const queue = newQueue();
		const seen = new Set<unknown>();
		const app = new Hono().use(jobs(queue)).get("/", (c) => {
			seen.add(c.var.queue);
			return c.body(null, 204);
		});
		await Promise.all([app.request("/"), app.request("/"), app.request("/")]);
		expect([...seen]).toEqual([queue]);
	});

	it("throws a TypeError at setup when given something that is not a queue", () => {
		expect(() => jobs({} as never)).toThrow(new TypeError("jobs(queue): expected a JobQueue"));
		expect(() => jobs(undefined as never)).toThrow(TypeError);
	});

	it("is a named middleware function", () => {
		expect(jobs(newQueue()).name).toBe("jobs");
	});
});

describe("jobsErrorHandler()", () => {
	const appThrowing = (error: unknown, handler = jobsErrorHandler()) => {
		const app = new Hono().get("/", () => {
			throw error;
		});
		app.onError(handler);
		return app;
	};

	it("leaves other errors to Hono's default: logged, then 500", async () => {
		const log = vi.spyOn(console, "error").mockImplementation(() => {});
		try {
			const error = new StoreError("unexpected reply");
			const res = await appThrowing(error).request("/");
			expect(res.status).toBe(500);
			expect(await res.text()).toBe("Internal Server Error");
			expect(log).toHaveBeenCalledWith(error);
		} finally {
			log.mockRestore();
		}
	});

	it("keeps the response of an HTTPException", async () => {
		const res = await appThrowing(new HTTPException(418, { message: "teapot" })).request("/");
		expect(res.status).toBe(418);
		expect(await res.text()).toBe("teapot");
	});

	it("hands other errors to the fallback it was given", async () => {
		const handler = jobsErrorHandler({ fallback: (err, c) => c.json({ mine: err.message }, 500) });
		const res = await appThrowing(new Error("boom"), handler).request("/");
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ mine: "boom" });
	});

	it("answers job errors itself, never calling the fallback", async () => {
		const fallback = vi.fn();
		const res = await appThrowing(
			new InvalidOptionError("delay", "must be ≥ 0"),
			jobsErrorHandler({ fallback }),
		).request("/");
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: "delay: must be ≥ 0", code: "JOBS_INVALID_OPTION" });
		expect(fallback).not.toHaveBeenCalled();
	});
});

describeJobsErrorStatus(jobsErrorStatus);
