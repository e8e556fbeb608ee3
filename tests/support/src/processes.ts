/**
 * Child processes of a test: every one is tracked, so `killAll()` can end what a failed test
 * left running, and anything still alive is SIGKILLed when the test process exits.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { basename } from "node:path";

/** How a child process ended: its exit code, or the signal that ended it. */
export interface ExitStatus {
	code: number | null;
	signal: NodeJS.Signals | null;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whether `child` was spawned and has not exited yet. */
export function isRunning(child: ChildProcess): boolean {
	return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/**
 * Registers `child` for {@link killAll} and for the SIGKILL on test-process exit; resolves how
 * it ended (a spawn error counts as `{ code: null, signal: null }`).
 */
export function track(child: ChildProcess): Promise<ExitStatus> {
	if (!exitHookInstalled) {
		exitHookInstalled = true;
		process.once("exit", () => {
			for (const proc of running) if (isRunning(proc)) proc.kill("SIGKILL");
		});
	}
	running.add(child);
	return new Promise((resolve) => {
		child.once("exit", (code, signal) => {
			running.delete(child);
			resolve({ code, signal });
		});
		child.once("error", () => {
			// A failed spawn never emits "exit".
			if (child.pid === undefined) {
				running.delete(child);
				resolve({ code: null, signal: null });
			}
		});
	});
}

/** SIGKILLs every process started by startNode/startRedisServer that is still running (for afterEach/afterAll on failure). */
export async function killAll(): Promise<void> {
	await Promise.all(
		[...running].map(
			(child) =>
				new Promise<void>((resolve) => {
					if (!isRunning(child)) return resolve();
					child.once("exit", () => resolve());
					child.kill("SIGKILL");
				}),
		),
	);
}

/** A started `node` process with everything it printed so far. */
export interface ChildProcessHandle {
	/** Its process id. */
	readonly pid: number;
	/** stdout and stderr so far, interleaved as they arrived. */
	readonly output: string;
	/**
	 * Resolves the first match of `pattern` in the output (waiting for it if need be); rejects,
	 * with the output, when the process exits first or nothing matches within `timeoutMs`
	 * (default 10 s).
	 */
	waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
	/**
	 * Sends `signal` (default SIGTERM) unless the process already ended, and resolves how it
	 * ended. If it has not exited within `timeoutMs` (default 15 s) it is SIGKILLed and the
	 * promise rejects with its output.
	 */
	stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitStatus>;
}

class NodeProcess implements ChildProcessHandle {
	#output = "";
	readonly #waiters = new Set<() => void>();
	readonly #exited: Promise<ExitStatus>;

	constructor(
		readonly name: string,
		readonly child: ChildProcess,
	) {
		this.#exited = track(child);
		const append = (chunk: Buffer) => {
			this.#output += chunk.toString();
			this.#wake();
		};
		child.stdout?.on("data", append);
		child.stderr?.on("data", append);
		void this.#exited.then(() => this.#wake());
	}

	get pid(): number {
		return this.child.pid!;
	}

	get output(): string {
		return this.#output;
	}

	#wake(): void {
		for (const wake of this.#waiters) wake();
	}

	waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const match = this.#output.match(pattern);
				if (match) {
					done();
					resolve(match);
				} else if (!isRunning(this.child)) {
					done();
					reject(
						new Error(
							`${this.name} (pid ${this.child.pid}) exited before printing ${pattern}; output:\n${this.#output}`,
						),
					);
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(
					new Error(
						`${this.name} (pid ${this.child.pid}) did not print ${pattern} in ${timeoutMs} ms; output:\n${this.#output}`,
					),
				);
			}, timeoutMs);
			const done = () => {
				clearTimeout(timer);
				this.#waiters.delete(check);
			};
			this.#waiters.add(check);
			check();
		});
	}

	async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 15_000): Promise<ExitStatus> {
		if (isRunning(this.child)) this.child.kill(signal);
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<"timeout">((resolve) => {
			timer = setTimeout(() => resolve("timeout"), timeoutMs);
		});
		const result = await Promise.race([this.#exited, timedOut]);
		clearTimeout(timer);
		if (result !== "timeout") return result;
		this.child.kill("SIGKILL");
		await this.#exited;
		throw new Error(
			`${this.name} (pid ${this.child.pid}) did not exit within ${timeoutMs} ms of ${signal}, so it was SIGKILLed; output:\n${this.#output}`,
		);
	}
}

/** Starts `node file ...args` with env merged over process.env; collects stdout+stderr; tracked so killAll() can end it. */
export function startNode(
	file: string,
	options: { env?: Record<string, string>; args?: string[]; cwd?: string } = {},
): ChildProcessHandle {
	const child = spawn(process.execPath, [file, ...(options.args ?? [])], {
		cwd: options.cwd,
		env: { ...process.env, ...options.env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	return new NodeProcess(basename(file), child);
}
