/**
 * The offset between this process's clock and the Redis server's, for the deadline (in server
 * time) that each `add` carries.
 * @module
 */

/** A sample older than this is refreshed in the background. */
const SAMPLE_MAX_AGE_MS = 60_000;

/**
 * A lower bound of `server clock − local clock`, in ms, from the server's clock read between a
 * local "before" and "after": the server read its clock no later than "after", so its reading
 * minus "after" never exceeds the true offset, whatever the round trip took.
 * @internal
 */
export class ServerClock {
	#offset: number | undefined;
	#sampledAt = 0;
	#sampling: Promise<number> | undefined;

	/** @param readServer Resolves with the server's epoch ms; `deadline` bounds it (local epoch ms). */
	constructor(private readonly readServer: (deadline: number) => Promise<number>) {}

	/** Reads the server clock in the background, so the first add need not wait for it. */
	warm(): void {
		if (this.#offset === undefined) this.#sample(Date.now() + 5_000).catch(() => {});
	}

	/**
	 * The offset's lower bound. The first call reads the server clock (and rejects if it cannot by
	 * `deadline`); later calls answer at once, refreshing a stale sample in the background.
	 */
	lowerOffset(deadline: number): Promise<number> {
		if (this.#offset === undefined) return this.#sample(deadline);
		if (Date.now() - this.#sampledAt > SAMPLE_MAX_AGE_MS) {
			this.#sample(Date.now() + 5_000).catch(() => {});
		}
		return Promise.resolve(this.#offset);
	}

	#sample(deadline: number): Promise<number> {
		this.#sampling ??= this.readServer(deadline)
			.then((server) => {
				const after = Date.now();
				this.#offset = server - after;
				this.#sampledAt = after;
				return this.#offset;
			})
			.finally(() => {
				this.#sampling = undefined;
			});
		return this.#sampling;
	}
}
