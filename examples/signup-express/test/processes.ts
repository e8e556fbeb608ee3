/** Real processes for the end-to-end tests: redis-server, the server and the worker. */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

/** Every process started here, so `killAll()` can clean up after a failed test. */
const running = new Set<ChildProcess>();

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
	});
}

/** A started child process with its output so far. */
export class Proc {
	output = "";
	readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
	#waiters = new Set<() => void>();

	constructor(
		readonly name: string,
		readonly child: ChildProcess,
	) {
		running.add(child);
		const append = (chunk: Buffer) => {
			this.output += chunk.toString();
			for (const wake of this.#waiters) wake();
		};
		child.stdout?.on("data", append);
		child.stderr?.on("data", append);
		this.exited = new Promise((resolve) => {
			child.once("exit", (code, signal) => {
				running.delete(child);
				resolve({ code, signal });
				for (const wake of this.#waiters) wake();
			});
		});
	}

	get alive(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Resolves the first match of `pattern` in the output, waiting up to `timeout` ms for it. */
	waitFor(pattern: RegExp, timeout = 10_000): Promise<RegExpMatchArray> {
		return new Promise((resolve, reject) => {
			const check = () => {
				const match = this.output.match(pattern);
				if (match) {
					done();
					resolve(match);
				} else if (!this.alive) {
					done();
					reject(
						new Error(`${this.name} exited before printing ${pattern}; output:\n${this.output}`),
					);
				}
			};
			const timer = setTimeout(() => {
				done();
				reject(
					new Error(
						`${this.name} did not print ${pattern} in ${timeout} ms; output:\n${this.output}`,
					),
				);
			}, timeout);
			const done = () => {
				clearTimeout(timer);
				this.#waiters.delete(check);
			};
			this.#waiters.add(check);
			check();
		});
	}

	/** Sends `signal` and resolves how the process ended. */
	async stop(
		signal: NodeJS.Signals = "SIGTERM",
	): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
		if (this.alive) this.child.kill(signal);
		return this.exited;
	}
}

/** Starts `node dist/<script>` with `env` added to (a trimmed copy of) this process's env. */
export function startNode(script: "server.js" | "worker.js", env: Record<string, string>): Proc {
	const { REDIS_URL: _ignored, ...base } = process.env;
	const child = spawn(process.execPath, [dist(script)], {
		env: { ...base, NODE_ENV: "production", ...env },
		stdio: ["ignore", "pipe", "pipe"],
	});
	return new Proc(script.replace(".js", ""), child);
}

/** Starts the server and resolves once it listens, with its base URL. */
export async function startServer(
	env: Record<string, string>,
): Promise<{ proc: Proc; url: string }> {
	const proc = startNode("server.js", { PORT: "0", ...env });
	const [, url] = await proc.waitFor(/listening on (http:\/\/\S+)/);
	return { proc, url: url! };
}

/** A disposable redis-server on a free loopback port, or `undefined` when the binary is missing. */
export async function startRedis(): Promise<{ proc: Proc; url: string } | undefined> {
	const port = await freePort();
	const child = spawn(
		process.env.REDIS_SERVER_BIN ?? "redis-server",
		["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
		{ stdio: ["ignore", "pipe", "pipe"] },
	);
	const spawned = await new Promise<boolean>((resolve) => {
		child.once("spawn", () => resolve(true));
		child.once("error", () => resolve(false));
	});
	if (!spawned) return undefined;
	const proc = new Proc("redis-server", child);
	await proc.waitFor(/Ready to accept connections/);
	return { proc, url: `redis://127.0.0.1:${port}` };
}

/** SIGKILLs whatever is still running (after a failed test). */
export async function killAll(): Promise<void> {
	await Promise.all(
		[...running].map(
			(child) =>
				new Promise<void>((resolve) => {
					if (child.exitCode !== null || child.signalCode !== null) return resolve();
					child.once("exit", () => resolve());
					child.kill("SIGKILL");
				}),
		),
	);
}

export const postSignup = (
	url: string,
	body: string | undefined,
	contentType = "application/json",
) =>
	fetch(`${url}/signup`, {
		method: "POST",
		headers: body === undefined ? {} : { "content-type": contentType },
		body,
	});
