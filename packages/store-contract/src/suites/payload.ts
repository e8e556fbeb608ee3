import { describe, expect, it } from "vitest";
import { addIds, failure, LONG, reserveAll, useHarness } from "../fixtures.js";
import type { ContractOptions } from "../harness.js";

const MiB = 1024 * 1024;

function nested(depth: number): unknown {
	let value: unknown = { leaf: true };
	for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { [`level${i}`]: value } : [i, value];
	return value;
}

/** A JSON text just under 1 MiB of UTF-8, mixing 1-, 3- and 4-byte characters. */
function nearOneMiB(): string {
	const chunk = "0123456789abcdef€😀"; // 16 + 3 + 4 = 23 bytes of UTF-8
	const budget = MiB - 64 - '{"blob":""}'.length;
	const blob = chunk.repeat(Math.floor(budget / 23));
	return JSON.stringify({ blob });
}

/**
 * Payloads are opaque JSON text that must come back byte for byte: a store that parses and
 * re-serializes them (or mangles encodings) fails here.
 */
export const PAYLOADS: Readonly<Record<string, string>> = {
	"unicode text (astral plane, emoji sequences, RTL, combining marks, U+2028)": JSON.stringify({
		text: "héllo wörld — 日本語 العربية עברית 😀 👩‍👩‍👧‍👦 🇺🇳 e\u0301 \u200d \u2028\u2029 \u{10FFFF} 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
	}),
	"escape sequences kept as written":
		'{"s":"\\u00e9\\n\\t\\"\\\\\\/ \\ud83d\\ude00","c":"\\u0000\\u001f"}',
	"whitespace, key order and number spelling as written":
		'{ "b" : 1.0 ,\n\t"a" : [ 1e2 , -0 , 0.10 ] }\n',
	"numbers at ±Number.MAX_SAFE_INTEGER, ±1e300, 5e-324 and -0": JSON.stringify({
		max: Number.MAX_SAFE_INTEGER,
		min: Number.MIN_SAFE_INTEGER,
		huge: 1e300,
		negHuge: -1e300,
		tiny: 5e-324,
		negZero: -0,
		raw: "see below",
	}).replace('"see below"', "[-0, -0.0, 9007199254740993, 1E+300]"),
	"120 levels of nesting": JSON.stringify(nested(120)),
	"150 levels of bare arrays": `${"[".repeat(150)}${"]".repeat(150)}`,
	"empty values": '{"o":{},"a":[],"s":"","n":null,"f":false}',
	"a JSON string at top level": '"just a string"',
	"a payload just under 1 MiB": nearOneMiB(),
};

/** Payload fidelity: every payload and name comes back exactly as added, in every state. */
export function payloadContract(options: ContractOptions): void {
	describe("payload fidelity", () => {
		const h = useHarness(options);

		for (const [label, payload] of Object.entries(PAYLOADS)) {
			it(`round-trips ${label} byte for byte`, async () => {
				const { store } = h();
				const [id] = await addIds(store, [{ name: "fidelity", payload }]);
				const [leased] = await store.reserve({ limit: 1, leaseMs: LONG });
				expect(leased?.id).toBe(id);
				// Not toEqual: a failure would print a megabyte; compare, then report lengths.
				const same = leased?.payload === payload;
				expect(
					same,
					`payload of ${payload.length} chars came back as ${leased?.payload.length}`,
				).toBe(true);
			});
		}

		it("round-trips unicode job names", async () => {
			const { store } = h();
			const names = ["send-welcome", "日本語の仕事", "emoji 🚀 job", "a.b:c/d", " spaced "];
			await addIds(
				store,
				names.map((name) => ({ name, payload: "{}" })),
			);
			const leased = await store.reserve({ limit: names.length, leaseMs: LONG });
			expect(leased.map((j) => j.name)).toEqual(names);
		});

		it("keeps every payload intact through retry, sweep, the dead letter and retryDead", async () => {
			const { store, elapse, lease, margin } = h();
			const entries = Object.values(PAYLOADS);
			const added = await addIds(
				store,
				entries.map((payload) => ({ name: "fidelity", payload })),
			);
			const expected = new Map(added.map((id, i) => [id, entries[i]!]));
			const check = (jobs: readonly { id: string; payload: string }[]) => {
				expect(jobs).toHaveLength(entries.length);
				for (const j of jobs)
					expect(j.payload === expected.get(j.id), `payload of job ${j.id}`).toBe(true);
			};

			for (const j of await reserveAll(store)) {
				await store.retry({ id: j.id, token: j.token, delay: 0, error: failure("x") });
			}
			check(await reserveAll(store, lease));
			await elapse(lease + margin);
			expect(await store.sweep({ limit: 100 })).toBe(entries.length);
			const swept = await reserveAll(store);
			check(swept);
			for (const j of swept) await store.fail({ id: j.id, token: j.token, error: failure("y") });
			check(await store.deadLetter());
			await store.retryDead({ all: true });
			check(await reserveAll(store));
		});
	});
}
