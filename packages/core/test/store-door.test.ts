import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, type Mock, vi } from "vitest";
import { UnsupportedError } from "../src/index.js";
import type { JobStore, StoreCapabilities } from "../src/job-store.js";
import { StoreDoor } from "../src/store-door.js";

/** Each store call with arguments to forward (distinct objects, so identity can be checked). */
const BASE_CALLS = {
	add: [[{ name: "a", payload: "{}" }]],
	reserve: [{ limit: 2, leaseMs: 100 }],
	ack: [{ id: "1", token: "t" }],
	retry: [{ id: "1", token: "t", delay: 5, error: { message: "m" } }],
	fail: [{ id: "1", token: "t", error: { message: "m" } }],
	release: [{ id: "1", token: "t" }],
	extend: [{ leases: [{ id: "1", token: "t" }], leaseMs: 100 }],
	sweep: [{ limit: 10 }],
	stats: [],
	deadLetter: [{ offset: 1 }],
	retryDead: [{ all: true }],
	removeDead: [{ ids: ["1"] }],
	close: [],
} as const;

/** The calls of a capability, with the capability they need. */
const CAPABILITY_CALLS = {
	waitForJob: {
		capability: "waitForJob",
		args: [{ timeoutMs: 10, signal: new AbortController().signal }],
	},
	getJob: { capability: "lookup", args: ["1"] },
	listJobs: { capability: "lookup", args: [{ state: "ready" }] },
	removeJob: { capability: "remove", args: ["1"] },
} as const;
const capabilityCases = Object.entries(CAPABILITY_CALLS).map(([name, call]) => ({ name, ...call }));

type Call = keyof typeof BASE_CALLS | keyof typeof CAPABILITY_CALLS;

/** A store whose every method records its call and returns a promise of its own. */
function recordingStore(capabilities: StoreCapabilities) {
	const methods = {} as Record<Call, Mock>;
	for (const name of [...Object.keys(BASE_CALLS), ...Object.keys(CAPABILITY_CALLS)]) {
		methods[name as Call] = vi.fn(() => Promise.resolve(name));
	}
	const store = { capabilities, ...methods } as unknown as JobStore;
	return { store, methods };
}

/** Calls `name` on the door the loose way (the test table is not typed per method). */
function callDoor(door: StoreDoor, name: Call, args: readonly unknown[]): unknown {
	return (door[name] as (...args: unknown[]) => unknown)(...args);
}

describe("StoreDoor", () => {
	it.each(Object.entries(BASE_CALLS))(
		"forwards %s as it is: same arguments, same promise, same this",
		(name, args) => {
			const { store, methods } = recordingStore({});
			const returned = callDoor(new StoreDoor(store), name as Call, args);
			const method = methods[name as Call];
			expect(method).toHaveBeenCalledTimes(1);
			expect(method.mock.calls[0]).toEqual(args);
			for (const [i, arg] of args.entries()) expect(method.mock.calls[0]?.[i]).toBe(arg);
			expect(method.mock.contexts[0]).toBe(store);
			expect(returned).toBe(method.mock.results[0]?.value);
		},
	);

	it.each(capabilityCases)(
		"forwards $name when the store declares $capability",
		({ name, capability, args }) => {
			const { store, methods } = recordingStore({ [capability]: true });
			const returned = callDoor(new StoreDoor(store), name as Call, args);
			const method = methods[name as Call];
			expect(method.mock.calls[0]?.[0]).toBe(args[0]);
			expect(method.mock.contexts[0]).toBe(store);
			expect(returned).toBe(method.mock.results[0]?.value);
		},
	);

	it.each(capabilityCases)(
		"refuses $name, without calling the store, when $capability is not declared",
		({ name, capability, args }) => {
			const { store, methods } = recordingStore({});
			const door = new StoreDoor(store);
			expect(() => callDoor(door, name as Call, args)).toThrow(UnsupportedError);
			expect(() => callDoor(door, name as Call, args)).toThrow(`"${capability}"`);
			expect(methods[name as Call]).not.toHaveBeenCalled();
		},
	);

	it("reads capabilities from the declaration, not from the methods present", () => {
		const door = new StoreDoor(recordingStore({ lookup: true, remove: false }).store);
		expect(door.supports("lookup")).toBe(true);
		expect(door.supports("remove")).toBe(false);
		expect(door.supports("waitForJob")).toBe(false);
	});
});

describe("one door to the store", () => {
	const src = fileURLToPath(new URL("../src", import.meta.url));
	const storeCall = new RegExp(
		`\\bstore\\??\\.(${Object.keys({ ...BASE_CALLS, ...CAPABILITY_CALLS }).join("|")})\\(`,
	);

	it("no engine module but store-door.ts calls a store method", () => {
		const offending: string[] = [];
		for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
			if (!file.endsWith(".ts") || file === "store-door.ts") continue;
			const lines = readFileSync(join(src, file), "utf8").split("\n");
			lines.forEach((line, i) => {
				const code = line.trim();
				if (code.startsWith("*") || code.startsWith("//")) return; // documentation
				if (storeCall.test(code)) offending.push(`${file}:${i + 1}: ${code}`);
			});
		}
		expect(offending).toEqual([]);
	});
});
