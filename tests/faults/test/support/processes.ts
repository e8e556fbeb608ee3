/**
 * Child processes of a scenario: worker and producer scripts (plain .mjs importing the built
 * packages) and redis-server. Every process spawned here is registered and is killed by
 * `killAllProcesses()` (afterEach), by a process 'exit' guard, and by a reaper process that
 * outlives the test process if that one dies without running either.
 * @module
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

export const childrenDir = fileURLToPath(new URL("../children/", import.meta.url));

const live = new Set<ChildProcess>();
let reaper: ChildProcess | undefined;
let guarded = false;

function guard(): void {
	if (guarded) return;
	guarded = true;
	process.on("exit", () => {
		for (const child of live) hardKill(child);
	});
	for (const signal of ["SIGINT", "SIGTERM"] as const) {
		process.once(signal, () => {
			for (const child of live) hardKill(child);
			process.kill(process.pid, signal);
		});
	}
	reaper = fork(`${childrenDir}reaper.mjs`, [], {
		stdio: ["ignore", "ignore", "ignore", "ipc"],
		execArgv: [],
	});
	reaper.unref();
	(reaper as unknown as { channel?: { unref(): void } }).channel?.unref();
}

function hardKill(child: ChildProcess): void {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	try {
		process.kill(child.pid, "SIGKILL");
	} catch {
		// already gone
	}
}

/** Registers a spawned process for cleanup; returns a promise of its exit. */
export function track(
	child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
	guard();
	live.add(child);
	if (child.pid !== undefined) reaper?.send({ add: child.pid });
	return new Promise((resolve) => {
		child.once("exit", (code, signal) => {
			live.delete(child);
			if (child.pid !== undefined && reaper?.connected) reaper.send({ remove: child.pid });
			resolve({ code, signal });
		});
	});
}

/** SIGKILLs every registered process and waits until they are gone. */
export async function killAllProcesses(): Promise<void> {
	const waits = [...live].map(
		(child) =>
			new Promise<void>((resolve) =>
				child.exitCode !== null || child.signalCode !== null
					? resolve()
					: child.once("exit", () => resolve()),
			),
	);
	for (const child of live) hardKill(child);
	await Promise.all(waits);
}

/** Keeps the last few KiB of a process's output for failure messages, and all of it in a file. */
class OutputTail {
	#text = "";
	readonly #file: WriteStream;
	constructor(file: string) {
		this.#file = createWriteStream(file, { flags: "a" });
	}
	push(chunk: Buffer): void {
		this.#file.write(chunk);
		this.#text = (this.#text + chunk.toString()).slice(-8_000);
	}
	get text(): string {
		return this.#text;
	}
	close(): void {
		this.#file.end();
	}
}

export interface NodeChild {
	readonly name: string;
	readonly pid: number;
	readonly process: ChildProcess;
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	/** The last few KiB of stdout and stderr. */
	output(): string;
	send(message: unknown): void;
	/** Resolves with the first IPC message that matches; rejects if the process exits first. */
	message<T>(match: (message: T) => boolean, timeoutMs?: number): Promise<T>;
	isAlive(): boolean;
	signal(signal: NodeJS.Signals): void;
}

/** Forks `children/<script>` with a JSON config and waits for its `{ ready: true }`. */
export async function forkChild(
	script: string,
	name: string,
	config: Record<string, unknown>,
	options: { logFile: string; execArgv?: string[]; env?: Record<string, string> },
): Promise<NodeChild> {
	const child = fork(`${childrenDir}${script}`, [JSON.stringify({ ...config, name })], {
		stdio: ["ignore", "pipe", "pipe", "ipc"],
		execArgv: options.execArgv ?? [],
		env: { ...process.env, ...options.env },
	});
	const exited = track(child);
	const tail = new OutputTail(options.logFile);
	child.stdout?.on("data", (chunk: Buffer) => tail.push(chunk));
	child.stderr?.on("data", (chunk: Buffer) => tail.push(chunk));
	void exited.then(() => tail.close());
	const handle: NodeChild = {
		name,
		pid: child.pid!,
		process: child,
		exited,
		output: () => tail.text,
		send: (message) => {
			if (child.connected) child.send(message as never);
		},
		isAlive: () => child.exitCode === null && child.signalCode === null,
		signal: (signal) => {
			if (handle.isAlive()) child.kill(signal);
		},
		message<T>(match: (message: T) => boolean, timeoutMs = 30_000): Promise<T> {
			return new Promise<T>((resolve, reject) => {
				const onMessage = (message: T) => {
					if (!match(message)) return;
					cleanup();
					resolve(message);
				};
				const onExit = (code: number | null, signal: string | null) => {
					cleanup();
					reject(
						new Error(
							`${name} (pid ${child.pid}) exited (${code ?? signal}) before the awaited message:\n${tail.text}`,
						),
					);
				};
				const timer = setTimeout(() => {
					cleanup();
					reject(
						new Error(
							`${name} (pid ${child.pid}): no awaited message in ${timeoutMs} ms:\n${tail.text}`,
						),
					);
				}, timeoutMs);
				const cleanup = () => {
					clearTimeout(timer);
					child.off("message", onMessage as never);
					child.off("exit", onExit);
				};
				child.on("message", onMessage as never);
				child.once("exit", onExit);
			});
		},
	};
	await handle.message<{ ready?: boolean }>((m) => m?.ready === true);
	return handle;
}

/** Spawns a non-node process (redis-server) with cleanup registration. */
export function spawnTracked(
	command: string,
	args: string[],
	logFile: string,
): { process: ChildProcess; exited: ReturnType<typeof track>; output(): string } {
	const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
	const exited = track(child);
	const tail = new OutputTail(logFile);
	child.stdout?.on("data", (chunk: Buffer) => tail.push(chunk));
	child.stderr?.on("data", (chunk: Buffer) => tail.push(chunk));
	void exited.then(() => tail.close());
	child.on("error", () => {
		// reported through `exited`
	});
	return { process: child, exited, output: () => tail.text };
}
