import { JobQueue, JobsError } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { describe, expect, it } from "vitest";
import { setup } from "./harness.js";

class Money {
	cents = 5;
}
const cyclic: Record<string, unknown> = {};
cyclic.self = cyclic;
/** Data `levels` objects deep: `{ a: { a: … } }`. */
function nested(levels: number): Record<string, unknown> {
	const root: Record<string, unknown> = {};
	let at = root;
	for (let i = 1; i < levels; i++) {
		const next: Record<string, unknown> = {};
		at.a = next;
		at = next;
	}
	return root;
}
const throwingGetter = {
	get secret(): string {
		throw new Error("vault locked");
	},
};

// Untyped on purpose: these are the mistakes the compiler cannot see (plain JS, `any`, JSON input).
type Add = (name: unknown, data: unknown, options?: unknown) => Promise<unknown>;

const badAdds: Array<[string, unknown, unknown, unknown, string, string]> = [
	["an empty name", "", {}, undefined, "JOBS_INVALID_NAME", "job name must not be empty"],
	[
		"a non-string name",
		42,
		{},
		undefined,
		"JOBS_INVALID_NAME",
		"job name must be a string, got 42",
	],
	[
		"a name over 256 characters",
		"x".repeat(257),
		{},
		undefined,
		"JOBS_INVALID_NAME",
		"job name must be at most 256 characters, got 257",
	],
	["undefined data", "x", undefined, undefined, "JOBS_INVALID_DATA", "data: undefined"],
	[
		"data nested deeper than 64 levels (not a stack overflow)",
		"x",
		nested(20_000),
		undefined,
		"JOBS_INVALID_DATA",
		"nested deeper than 64 levels",
	],
	[
		"data with a getter that throws",
		"x",
		throwingGetter,
		undefined,
		"JOBS_INVALID_DATA",
		"data.secret: reading it threw: vault locked",
	],
	["null options", "x", {}, null, "JOBS_INVALID_OPTION", "options: must be an object, got null"],
	[
		"an unknown option",
		"x",
		{},
		{ delai: 60_000 },
		"JOBS_INVALID_OPTION",
		"options.delai: is not an add option",
	],
	["a function in data", "x", { f() {} }, undefined, "JOBS_INVALID_DATA", "data.f: a function"],
	["a symbol in data", "x", { s: Symbol() }, undefined, "JOBS_INVALID_DATA", "data.s: a symbol"],
	["a BigInt in data", "x", { n: 1n }, undefined, "JOBS_INVALID_DATA", "data.n: a BigInt"],
	["NaN in data", "x", { n: Number.NaN }, undefined, "JOBS_INVALID_DATA", "data.n: NaN"],
	["Infinity in data", "x", { n: -Infinity }, undefined, "JOBS_INVALID_DATA", "data.n: -Infinity"],
	["a Map in data", "x", { m: new Map() }, undefined, "JOBS_INVALID_DATA", "data.m: Map"],
	["a Set in data", "x", { s: new Set() }, undefined, "JOBS_INVALID_DATA", "data.s: Set"],
	[
		"a Date in data",
		"x",
		{ user: { at: new Date(0) } },
		undefined,
		"JOBS_INVALID_DATA",
		"data.user.at: Date",
	],
	[
		"a class instance in data",
		"x",
		{ price: new Money() },
		undefined,
		"JOBS_INVALID_DATA",
		"data.price: Money",
	],
	["a cycle in data", "x", cyclic, undefined, "JOBS_INVALID_DATA", "data.self: circular"],
	[
		"data over the size limit",
		"x",
		"a".repeat(2_000),
		undefined,
		"JOBS_PAYLOAD_TOO_LARGE",
		"2002 bytes",
	],
	["a negative delay", "x", {}, { delay: -1 }, "JOBS_INVALID_OPTION", "delay: must be a finite"],
	[
		"a non-finite delay",
		"x",
		{},
		{ delay: Number.POSITIVE_INFINITY },
		"JOBS_INVALID_OPTION",
		"delay:",
	],
	["a NaN delay", "x", {}, { delay: Number.NaN }, "JOBS_INVALID_OPTION", "delay:"],
	["a string delay", "x", {}, { delay: "5s" }, "JOBS_INVALID_OPTION", "delay:"],
	[
		"both delay and scheduledAt",
		"x",
		{},
		{ delay: 5, scheduledAt: new Date() },
		"JOBS_INVALID_OPTION",
		"not both",
	],
	[
		"an invalid scheduledAt",
		"x",
		{},
		{ scheduledAt: new Date("nope") },
		"JOBS_INVALID_OPTION",
		"scheduledAt:",
	],
	[
		"maxAttempts 0",
		"x",
		{},
		{ maxAttempts: 0 },
		"JOBS_INVALID_OPTION",
		"maxAttempts: must be an integer >= 1",
	],
	[
		"a fractional maxAttempts",
		"x",
		{},
		{ maxAttempts: 1.5 },
		"JOBS_INVALID_OPTION",
		"maxAttempts:",
	],
];

describe("bad input", () => {
	it.each(badAdds)(
		"add rejects %s with its code and enqueues nothing",
		async (_label, name, data, options, code, text) => {
			const { queue } = setup({ maxPayloadBytes: 1_000 });
			const add = queue.add.bind(queue) as Add;
			const error = await add(name, data, options).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(JobsError);
			expect((error as JobsError).code).toBe(code);
			expect((error as JobsError).message).toContain(text);
			expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
		},
	);

	it("addMany with one bad entry rejects the whole batch and enqueues nothing", async () => {
		const { queue } = setup();
		const addMany = queue.addMany.bind(queue) as (jobs: unknown) => Promise<unknown>;
		const error = await addMany([
			{ name: "ok", data: { a: 1 } },
			{ name: "bad", data: { when: new Date() } },
		]).catch((e: unknown) => e);
		expect((error as JobsError).code).toBe("JOBS_INVALID_DATA");
		expect((error as JobsError).message).toBe(
			"jobs[1].data.when: Date is not a plain object and would not survive JSON",
		);
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it("addMany names the entry of a bad name", async () => {
		const { queue } = setup();
		const addMany = queue.addMany.bind(queue) as (jobs: unknown) => Promise<unknown>;
		const error = await addMany([
			{ name: "ok", data: {} },
			{ name: "", data: {} },
		]).catch((e: unknown) => e);
		expect(error).toMatchObject({
			code: "JOBS_INVALID_NAME",
			message: "jobs[1].name: job name must not be empty",
		});
		expect(await queue.stats()).toMatchObject({ ready: 0, delayed: 0, active: 0, dead: 0 });
	});

	it("allows a name of exactly 256 characters and data exactly 64 levels deep", async () => {
		const { queue } = setup();
		expect((await queue.add("x".repeat(256), nested(64))).created).toBe(true);
	});

	it("rejects a second handler for the same name", () => {
		const { queue } = setup();
		queue.handle("once", () => {});
		expect(() => queue.handle("once", () => {})).toThrow(
			expect.objectContaining({
				code: "JOBS_DUPLICATE_HANDLER",
				message: 'a handler is already registered for "once"',
			}),
		);
	});

	it.each([
		["concurrency 0", { concurrency: 0 }, "concurrency: must be an integer >= 1"],
		["a fractional concurrency", { concurrency: 2.5 }, "concurrency:"],
		["a negative pollInterval", { pollInterval: -5 }, "pollInterval:"],
		["a NaN lease", { lease: Number.NaN }, "lease:"],
	])("work rejects %s", (_label, options, text) => {
		const { queue } = setup();
		expect(() => queue.work(options)).toThrow(
			expect.objectContaining({ code: "JOBS_INVALID_OPTION" }),
		);
		expect(() => queue.work(options)).toThrow(text);
	});

	it("work and handle reject null options with a JobsError naming them", () => {
		const { queue } = setup();
		const work = queue.work.bind(queue) as (o: unknown) => unknown;
		const handle = queue.handle.bind(queue) as (n: unknown, h: unknown, o?: unknown) => unknown;
		expect(() => work(null)).toThrow(
			expect.objectContaining({
				code: "JOBS_INVALID_OPTION",
				message: expect.stringContaining("work(options)"),
			}),
		);
		expect(() => handle("x", () => {}, null)).toThrow(
			expect.objectContaining({
				code: "JOBS_INVALID_OPTION",
				message: expect.stringContaining("handle(options)"),
			}),
		);
	});

	it("handle rejects a bad maxAttempts, a non-function handler and a bad name", () => {
		const { queue } = setup();
		const handle = queue.handle.bind(queue) as (n: unknown, h: unknown, o?: unknown) => unknown;
		expect(() => handle("x", () => {}, { maxAttempts: 0 })).toThrow(
			expect.objectContaining({ code: "JOBS_INVALID_OPTION" }),
		);
		expect(() => handle("x", "not a function")).toThrow(
			expect.objectContaining({ code: "JOBS_INVALID_OPTION" }),
		);
		expect(() => handle("", () => {})).toThrow(
			expect.objectContaining({ code: "JOBS_INVALID_NAME" }),
		);
	});

	it("the queue constructor rejects a missing store and a bad default", () => {
		const Ctor = JobQueue as unknown as new (options: unknown) => unknown;
		expect(() => new Ctor({})).toThrow(expect.objectContaining({ code: "JOBS_INVALID_OPTION" }));
		expect(() => new Ctor({ store: new MemoryJobStore(), maxAttempts: 0 })).toThrow("maxAttempts:");
		expect(() => new Ctor({ store: {} })).toThrow("store.capabilities:");
	});

	it("the queue constructor rejects a clock that is not a Clock, naming what it lacks", () => {
		const Ctor = JobQueue as unknown as new (options: unknown) => unknown;
		const store = new MemoryJobStore();
		expect(() => new Ctor({ store, clock: {} })).toThrow(
			expect.objectContaining({
				code: "JOBS_INVALID_OPTION",
				message: expect.stringContaining("missing now, setTimeout, clearTimeout"),
			}),
		);
		expect(() => new Ctor({ store, clock: { now: () => 0 } })).toThrow(
			"missing setTimeout, clearTimeout",
		);
		expect(() => new Ctor({ store, clock: "fast" })).toThrow("clock: must be a Clock");
	});
});
