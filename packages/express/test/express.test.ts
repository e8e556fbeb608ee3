import { JobQueue, StoreError, StoreUnavailableError } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import {
	describeJobsErrorStatus,
	type Jobs,
	unreachableStore,
} from "@jobs/test-support/adapter-suite";
import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getQueue, jobs, jobsErrorHandler, jobsErrorStatus } from "../src/index.js";
import { describeExpressAdapter, listen } from "./adapter-suite.js";

describeExpressAdapter("memory", {
	createStore: async () => new MemoryJobStore(),
	createUnreachableStore: async () => unreachableStore(),
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
	await Promise.all(closers.splice(0).map((close) => close()));
});
async function serve(app: express.Express): Promise<string> {
	const server = await listen(app);
	closers.push(server.close);
	return server.url;
}

describe("jobs(queue)", () => {
	const newQueue = () => {
		const queue = new JobQueue<Jobs>({ store: new MemoryJobStore() });
		closers.push(() => queue.close());
		return queue;
	};

	it("reaches routes of a mounted express.Router", async () => {
		const queue = newQueue();
		const router = express.Router();
		router.get("/same", (req, res) => {
			res.json({ same: getQueue<typeof queue>(req) === queue });
		});
		const app = express();
		app.use(jobs(queue));
		app.use("/api", router);
		expect(await (await fetch(`${await serve(app)}/api/same`)).json()).toEqual({ same: true });
	});

	it("throws a TypeError at setup when given something that is not a queue", () => {
		expect(() => jobs({} as never)).toThrow(new TypeError("jobs(queue): expected a JobQueue"));
		expect(() => jobs(null as never)).toThrow(TypeError);
	});

	it("is a named middleware function", () => {
		expect(jobs(newQueue()).name).toBe("jobs");
	});
});

describe("getQueue(req)", () => {
	it("throws a clear error when the middleware did not run, which Express answers with 500", async () => {
		const app = express();
		let thrown: unknown;
		app.get("/", (req, res) => {
			try {
				getQueue(req);
			} catch (error) {
				thrown = error;
				throw error;
			}
			res.end();
		});
		const res = await fetch(await serve(app));
		expect(res.status).toBe(500);
		expect(thrown).toEqual(
			new Error(
				"no job queue on this request: add app.use(jobs(queue)) before the routes that use it",
			),
		);
	});
});

describe("jobsErrorHandler()", () => {
	const appThrowing = (error: unknown, sync = false) => {
		const app = express();
		app.get(
			"/",
			sync
				? () => {
						throw error;
					}
				: async () => {
						await Promise.reject(error);
					},
		);
		app.use(jobsErrorHandler());
		const after: ErrorRequestHandler = (err, _req, res, _next) => {
			res.status(500).json({ after: (err as Error).message });
		};
		app.use(after);
		return app;
	};

	it("answers a job error thrown synchronously too", async () => {
		const res = await fetch(await serve(appThrowing(new StoreUnavailableError("down"), true)));
		expect(res.status).toBe(503);
		expect(await res.json()).toEqual({
			error: "job store unavailable",
			code: "JOBS_STORE_UNAVAILABLE",
		});
	});

	it("passes other errors on to the next error handler", async () => {
		const res = await fetch(await serve(appThrowing(new StoreError("unexpected reply"))));
		expect(res.status).toBe(500);
		expect(await res.json()).toEqual({ after: "unexpected reply" });
	});

	it("passes job errors on when the response has already started", () => {
		const next = vi.fn();
		const res = { headersSent: true, status: vi.fn() } as unknown as Response;
		const error = new StoreUnavailableError("down");
		jobsErrorHandler()(error, {} as Request, res, next);
		expect(next).toHaveBeenCalledWith(error);
		expect(res.status).not.toHaveBeenCalled();
	});

	it("is an error middleware: four parameters", () => {
		expect(jobsErrorHandler().length).toBe(4);
	});
});

describeJobsErrorStatus(jobsErrorStatus);
