/**
 * Disposable `redis-server` processes: a free loopback port, a private data directory, killed
 * and restarted at will, and SIGKILLed when the test process exits.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExitStatus, isRunning, track } from "./processes.js";

/** A loopback port nobody listens on right now. */
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

/** The redis-server binary: `REDIS_SERVER_BIN`, else `redis-server` from PATH. */
export const redisServerBin = (): string => process.env.REDIS_SERVER_BIN ?? "redis-server";

/** A redis-server this test process started. */
export interface RedisServer {
	/** `redis://127.0.0.1:<port>` */
	url: string;
	/** The loopback port it listens on, the same across restarts. */
	port: number;
	/** SIGTERM and wait for exit */
	stop(): Promise<void>;
	/** send a signal (SIGKILL, SIGSTOP…) */
	kill(signal: NodeJS.Signals): void;
	/** start again on the same port and dir after a kill */
	restart(): Promise<void>;
}

/** Temporary data directories we created, removed when the test process exits. */
const tempDirs = new Set<string>();
let cleanupInstalled = false;

function tempDir(): string {
	if (!cleanupInstalled) {
		cleanupInstalled = true;
		process.once("exit", () => {
			for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
		});
	}
	const dir = mkdtempSync(join(tmpdir(), "jobs-redis-"));
	tempDirs.add(dir);
	return dir;
}

/** Resolves true once something on `port` answers PING with PONG (not LOADING, not refused). */
function pingOnce(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ port, host: "127.0.0.1" });
		let reply = "";
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(500, () => done(false));
		socket.on("error", () => done(false));
		socket.on("connect", () => socket.write("PING\r\n"));
		socket.on("data", (chunk) => {
			reply += chunk.toString();
			if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
		});
	});
}

const READY = "Ready to accept connections";
const START_TIMEOUT_MS = 15_000;

class SpawnedRedisServer implements RedisServer {
	readonly url: string;
	#child: ChildProcess | undefined;
	#exited: Promise<ExitStatus> = Promise.resolve({ code: null, signal: null });
	/** The last few KiB of its output, for error messages. */
	#output = "";

	constructor(
		readonly port: number,
		readonly argv: readonly string[],
	) {
		this.url = `redis://127.0.0.1:${port}`;
	}

	async start(): Promise<void> {
		const child = spawn(redisServerBin(), this.argv, { stdio: ["ignore", "pipe", "pipe"] });
		this.#child = child;
		this.#output = "";
		const exited = track(child);
		this.#exited = exited;
		const append = (chunk: Buffer) => {
			this.#output = (this.#output + chunk.toString()).slice(-8_000);
		};
		child.stdout?.on("data", append);
		child.stderr?.on("data", append);
		let spawnError: Error | undefined;
		child.once("error", (error) => {
			spawnError = error;
		});

		// Ready when it says so; with a --loglevel too quiet to say it, once it answers PING.
		const loglevel = this.argv[this.argv.lastIndexOf("--loglevel") + 1];
		const quiet = this.argv.includes("--loglevel") && /^(warning|nothing)$/.test(loglevel ?? "");
		const deadline = Date.now() + START_TIMEOUT_MS;
		let polling = true;
		const ready = (async () => {
			while (polling && Date.now() < deadline) {
				if (this.#output.includes(READY)) return;
				if (quiet && isRunning(child) && (await pingOnce(this.port)) && isRunning(child)) return;
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			throw new Error(
				`redis-server on port ${this.port} not ready in ${START_TIMEOUT_MS} ms:\n${this.#output}`,
			);
		})();
		try {
			await Promise.race([
				ready,
				exited.then(({ code, signal }) => {
					throw spawnError
						? new Error(`cannot start ${redisServerBin()}: ${spawnError.message}`)
						: new Error(
								`redis-server on port ${this.port} exited at start (${code ?? signal}):\n${this.#output}`,
							);
				}),
			]);
		} catch (error) {
			if (isRunning(child)) child.kill("SIGKILL");
			await exited;
			throw error;
		} finally {
			polling = false;
			ready.catch(() => {});
		}
	}

	stop(): Promise<void> {
		const child = this.#child;
		if (!child || !isRunning(child)) return this.#exited.then(() => {});
		const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
		child.kill("SIGTERM");
		child.kill("SIGCONT"); // a SIGSTOPped server handles the SIGTERM once it runs again
		return this.#exited.then(() => clearTimeout(kill));
	}

	kill(signal: NodeJS.Signals): void {
		const child = this.#child;
		if (child && isRunning(child)) child.kill(signal);
	}

	async restart(): Promise<void> {
		const child = this.#child;
		if (child && isRunning(child)) child.kill("SIGKILL");
		await this.#exited;
		await this.start();
	}
}

/** Spawns redis-server on a free (or given) loopback port with `--save "" --appendonly no` unless args override; waits for "Ready to accept connections"; the server is also killed when the test process exits. */
export async function startRedisServer(
	options: { port?: number; args?: string[]; dir?: string } = {},
): Promise<RedisServer> {
	const args = options.args ?? [];
	const dir = options.dir ?? tempDir();
	const defaults = [
		["--save", ""],
		["--appendonly", "no"],
	]
		.filter(([flag]) => !args.includes(flag!))
		.flat();
	// A port can be taken between the probe and the bind: then try another one.
	const attempts = options.port === undefined ? 5 : 1;
	for (let attempt = 1; ; attempt++) {
		const port = options.port ?? (await freePort());
		const argv = [
			"--port",
			String(port),
			"--bind",
			"127.0.0.1",
			"--dir",
			dir,
			...defaults,
			...args,
		];
		const server = new SpawnedRedisServer(port, argv);
		try {
			await server.start();
			return server;
		} catch (error) {
			if (attempt >= attempts || !/address already in use/i.test((error as Error).message))
				throw error;
		}
	}
}
