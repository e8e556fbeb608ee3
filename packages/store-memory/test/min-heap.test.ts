import { describe, expect, it } from "vitest";
import { type HeapEntry, MinHeap } from "../src/min-heap.js";

interface Entry extends HeapEntry {
	readonly label: number;
}

const byAtThenSeq = (a: Entry, b: Entry) => a.at - b.at || a.seq - b.seq;

function entries(count: number): Entry[] {
	// Few distinct `at` values, so ties are common and seq has to break them.
	return Array.from({ length: count }, (_, i) => ({ at: (i * 7919) % 13, seq: i, label: i }));
}

describe("MinHeap", () => {
	it("pops by at, then by seq", () => {
		const heap = new MinHeap<Entry>();
		const all = entries(1_000);
		for (const e of all) heap.push(e);
		expect(heap.size).toBe(1_000);
		const popped: Entry[] = [];
		for (let e = heap.pop(); e; e = heap.pop()) popped.push(e);
		expect(popped).toEqual(all.toSorted(byAtThenSeq));
		expect(heap.peek()).toBeUndefined();
	});

	it("peeks at the smallest without removing it", () => {
		const heap = new MinHeap<Entry>();
		heap.push({ at: 5, seq: 0, label: 0 });
		heap.push({ at: 1, seq: 1, label: 1 });
		expect(heap.peek()?.label).toBe(1);
		expect(heap.size).toBe(2);
	});

	it("keeps heap order after filter", () => {
		const heap = new MinHeap<Entry>();
		const all = entries(500);
		for (const e of all) heap.push(e);
		heap.filter((e) => e.label % 3 !== 0);
		const popped: Entry[] = [];
		for (let e = heap.pop(); e; e = heap.pop()) popped.push(e);
		expect(popped).toEqual(all.filter((e) => e.label % 3 !== 0).toSorted(byAtThenSeq));
	});
});
