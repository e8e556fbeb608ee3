/**
 * `EventReaders`: the connections blocking event reads wait on (an `XREAD BLOCK` holds its
 * connection), one per read in progress, idle ones kept for the next.
 * @module
 */
import type { RedisClient } from "./scripts.js";

/** Connections for blocking reads. @internal */
export class EventReaders {
	readonly #open: () => RedisClient;
	readonly #idle: RedisClient[] = [];
	#closed = false;

	/** `open` makes a new connection. */
	constructor(open: () => RedisClient) {
		this.#open = open;
	}

	/**
	 * Waits, on a connection of its own, until the stream `key` has an entry after `after` (a
	 * stream id), `ms` pass, or `signal` aborts (the connection is then closed, ending the block
	 * at once). Resolves whether an entry may be there; never rejects.
	 */
	async wait(
		key: string,
		after: string,
		ms: number,
		signal: AbortSignal | undefined,
	): Promise<boolean> {
		if (this.#closed || signal?.aborted) return false;
		const reader = this.#idle.pop() ?? this.#make();
		const abort = () => reader.disconnect();
		signal?.addEventListener("abort", abort, { once: true });
		try {
			const reply = await reader.xread(
				"COUNT",
				1,
				"BLOCK",
				Math.max(1, Math.ceil(ms)),
				"STREAMS",
				key,
				after,
			);
			return reply !== null;
		} catch {
			return false;
		} finally {
			signal?.removeEventListener("abort", abort);
			if (signal?.aborted || this.#closed) reader.disconnect();
			else this.#idle.push(reader);
		}
	}

	/** Closes every idle connection; later waits resolve at once. */
	close(): void {
		this.#closed = true;
		for (const reader of this.#idle.splice(0)) reader.disconnect();
	}

	#make(): RedisClient {
		const reader = this.#open();
		reader.on("error", () => {
			// A failed wait resolves false; the caller reads again.
		});
		return reader;
	}
}
