/**
 * A binary min-heap ordered by `(at, seq)`: O(log n) `push` and `pop`, O(1) `peek`. `seq` breaks
 * ties so that entries due at the same instant come out in insertion order.
 * @internal
 */
export interface HeapEntry {
	/** The instant the entry is due, epoch milliseconds. */
	readonly at: number;
	/** Insertion sequence number; lower comes first among equal `at`. */
	readonly seq: number;
}

const before = (a: HeapEntry, b: HeapEntry): boolean =>
	a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** @internal */
export class MinHeap<T extends HeapEntry> {
	#items: T[] = [];

	/** Number of entries. */
	get size(): number {
		return this.#items.length;
	}

	/** The smallest entry, left in place. */
	peek(): T | undefined {
		return this.#items[0];
	}

	/** Adds an entry. */
	push(entry: T): void {
		const items = this.#items;
		items.push(entry);
		let i = items.length - 1;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (!before(entry, items[parent]!)) break;
			items[i] = items[parent]!;
			i = parent;
		}
		items[i] = entry;
	}

	/** Removes and returns the smallest entry. */
	pop(): T | undefined {
		const items = this.#items;
		const top = items[0];
		const last = items.pop();
		if (items.length > 0 && last !== undefined) this.#siftDown(0, last);
		return top;
	}

	/** A copy of the entries, in no particular order. */
	toArray(): T[] {
		return [...this.#items];
	}

	/** Keeps only the entries `keep` accepts, in O(n). */
	filter(keep: (entry: T) => boolean): void {
		const items = this.#items.filter(keep);
		this.#items = items;
		for (let i = (items.length >> 1) - 1; i >= 0; i--) this.#siftDown(i, items[i]!);
	}

	/** Removes every entry. */
	clear(): void {
		this.#items = [];
	}

	#siftDown(start: number, entry: T): void {
		const items = this.#items;
		const n = items.length;
		let i = start;
		for (;;) {
			let child = 2 * i + 1;
			if (child >= n) break;
			if (child + 1 < n && before(items[child + 1]!, items[child]!)) child++;
			if (!before(items[child]!, entry)) break;
			items[i] = items[child]!;
			i = child;
		}
		items[i] = entry;
	}
}
