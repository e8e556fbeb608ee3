/**
 * `ReadyLines`: ready jobs as one line per priority, the lowest priority first, each line in the
 * order its jobs became ready. O(1) to join a line at either end and to leave it, O(log lines)
 * to find the next line.
 * @internal
 */
import { Deque } from "./deque.js";
import { type HeapEntry, MinHeap } from "./min-heap.js";

/** What a line holds: a job that knows its priority and the entry that places it. */
export interface LineJob {
	readonly priority: number;
	/** The entry that places the job; any other entry of it is stale. */
	slot: object | undefined;
}

/** A place in a line; stale once the job's `slot` is another object. */
interface Slot<J extends LineJob> {
	readonly job: J;
}

/** The jobs of one priority. */
interface Line<J extends LineJob> {
	readonly slots: Deque<Slot<J>>;
	/** Its live slots (the others are stale). */
	count: number;
}

/** A line in the order of lines (`at` is its priority); stale once the line is gone. */
interface LineEntry<J extends LineJob> extends HeapEntry {
	readonly line: Line<J>;
}

/** @internal */
export class ReadyLines<J extends LineJob> {
	// A line is kept while it holds a job. Removals leave stale slots behind, skipped when they
	// surface and compacted; lines that emptied leave stale heap entries, dropped the same way.
	readonly #lines = new Map<number, Line<J>>();
	readonly #order = new MinHeap<LineEntry<J>>();
	#seq = 0;
	#count = 0;

	/** How many jobs wait in the lines. */
	get count(): number {
		return this.#count;
	}

	/** Puts `job` at the tail (or the head) of its priority's line, and sets its `slot`. */
	push(job: J, atHead: boolean): void {
		const slot: Slot<J> = { job };
		job.slot = slot;
		const line = this.#line(job.priority);
		if (atHead) line.slots.unshift(slot);
		else line.slots.push(slot);
		line.count++;
		this.#count++;
	}

	/** Takes `job`, which is in a line, out of it (its slot turns stale). */
	remove(job: J): void {
		job.slot = undefined;
		this.#left(this.#lines.get(job.priority)!, job.priority);
	}

	/** Takes the next job out: the head of the lowest line. */
	shift(): J | undefined {
		for (;;) {
			const entry = this.#order.peek();
			if (!entry) return undefined;
			if (this.#lines.get(entry.at) !== entry.line) {
				this.#order.pop();
				continue;
			}
			const slot = entry.line.slots.shift()!;
			const { job } = slot;
			if (job.slot !== slot) continue; // moved or removed since
			job.slot = undefined;
			this.#left(entry.line, entry.at);
			return job;
		}
	}

	/** Every job in the order `shift` would give them. O(n). */
	values(): J[] {
		return [...this.#lines]
			.sort(([a], [b]) => a - b)
			.flatMap(([, line]) => [...line.slots.values()])
			.filter((slot) => slot.job.slot === slot)
			.map((slot) => slot.job);
	}

	clear(): void {
		this.#lines.clear();
		this.#order.clear();
		this.#count = 0;
	}

	/** The line of `priority`, made when it has none. */
	#line(priority: number): Line<J> {
		let line = this.#lines.get(priority);
		if (!line) {
			line = { slots: new Deque(), count: 0 };
			this.#lines.set(priority, line);
			this.#order.push({ at: priority, seq: this.#seq++, line });
			if (this.#order.size > 2 * this.#lines.size + 1024) {
				this.#order.filter((entry) => this.#lines.get(entry.at) === entry.line);
			}
		}
		return line;
	}

	/** One live slot of `line` left it: the line goes once it holds none. */
	#left(line: Line<J>, priority: number): void {
		this.#count--;
		if (--line.count === 0) this.#lines.delete(priority);
		else if (line.slots.size > 2 * line.count + 1024) {
			line.slots.retain((slot) => slot.job.slot === slot);
		}
	}
}
