/**
 * A double-ended queue on a growable ring buffer: O(1) `push`, `shift` and `unshift`, where an
 * array's `shift`/`unshift` are O(n).
 * @internal
 */
export class Deque<T> {
	#buf: (T | undefined)[] = new Array(16);
	#head = 0;
	#size = 0;

	/** Number of items. */
	get size(): number {
		return this.#size;
	}

	/** Appends at the tail. */
	push(item: T): void {
		if (this.#size === this.#buf.length) this.#grow();
		this.#buf[(this.#head + this.#size) & (this.#buf.length - 1)] = item;
		this.#size++;
	}

	/** Prepends at the head. */
	unshift(item: T): void {
		if (this.#size === this.#buf.length) this.#grow();
		this.#head = (this.#head - 1) & (this.#buf.length - 1);
		this.#buf[this.#head] = item;
		this.#size++;
	}

	/** Removes and returns the head, or `undefined` when empty. */
	shift(): T | undefined {
		if (this.#size === 0) return undefined;
		const item = this.#buf[this.#head];
		// Drop the reference so a consumed job can be garbage-collected.
		this.#buf[this.#head] = undefined;
		this.#head = (this.#head + 1) & (this.#buf.length - 1);
		this.#size--;
		return item;
	}

	/** The item `i` places from the head (0: the head), or `undefined` past the tail. */
	at(i: number): T | undefined {
		if (i < 0 || i >= this.#size) return undefined;
		return this.#buf[(this.#head + i) & (this.#buf.length - 1)];
	}

	/** The items, head first. */
	*values(): IterableIterator<T> {
		for (let i = 0; i < this.#size; i++)
			yield this.#buf[(this.#head + i) & (this.#buf.length - 1)]!;
	}

	/** Keeps only the items `keep` accepts, in order, in O(n). */
	retain(keep: (item: T) => boolean): void {
		const kept = [...this.values()].filter(keep);
		this.clear();
		for (const item of kept) this.push(item);
	}

	/** Removes every item. */
	clear(): void {
		this.#buf = new Array(16);
		this.#head = 0;
		this.#size = 0;
	}

	// The capacity stays a power of two so that `& (length - 1)` wraps indices.
	#grow(): void {
		const old = this.#buf;
		const next: (T | undefined)[] = new Array(old.length * 2);
		for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) & (old.length - 1)];
		this.#buf = next;
		this.#head = 0;
	}
}
