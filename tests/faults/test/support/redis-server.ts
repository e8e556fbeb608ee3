/**
 * A disposable redis-server the test owns: spawned on a free loopback port, SIGKILLed and
 * restarted on the same port and data directory at will. The fault tests always spawn their
 * own server, even when REDIS_URL is set, because they must be able to kill it.
 * @module
 */
import { spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { spawnTracked } from "./processes.js";

/** Whether a redis-server binary is on PATH. */
export function redisServerAvailable(): boolean {
	const probe = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
	return probe.status === 0;
}

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => {
				if (address && typeof address === "object") resolve(address.port);
				else reject(new Error("no port"));
			});
		});
	});
}

/** Resolves true once the server answers PING with PONG (not LOADING, not refused). */
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

export interface RedisServerOptions {
	/** Data directory (AOF files). */
	dir: string;
	/** `appendonly yes` with `appendfsync always`. */
	aof?: boolean;
}

export class RedisServer {
	readonly port: number;
	readonly options: RedisServerOptions;
	#proc: ReturnType<typeof spawnTracked> | undefined;
	#clients = new Set<Redis>();

	private constructor(port: number, options: RedisServerOptions) {
		this.port = port;
		this.options = options;
	}

	static async start(options: RedisServerOptions): Promise<RedisServer> {
		// A port can be taken between probe and bind: retry on another one.
		let lastError: unknown;
		for (let i = 0; i < 5; i++) {
			const server = new RedisServer(await freePort(), options);
			try {
				await server.#spawn();
				return server;
			} catch (error) {
				lastError = error;
				await server.kill();
			}
		}
		throw lastError;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	get pid(): number | undefined {
		return this.#proc?.process.pid;
	}

	async #spawn(): Promise<void> {
		const args = [
			"--port",
			String(this.port),
			"--bind",
			"127.0.0.1",
			"--dir",
			this.options.dir,
			"--save",
			"",
			"--protected-mode",
			"no",
			"--daemonize",
			"no",
			"--loglevel",
			"warning",
			"--maxmemory-policy",
			"noeviction",
		];
		if (this.options.aof) {
			args.push("--appendonly", "yes", "--appendfsync", "always");
		} else {
			args.push("--appendonly", "no");
		}
		const proc = spawnTracked(
			"redis-server",
			args,
			join(this.options.dir, `redis-server-${this.port}.log`),
		);
		this.#proc = proc;
		const deadline = Date.now() + 15_000;
		while (Date.now() < deadline) {
			if (proc.process.exitCode !== null || proc.process.signalCode !== null) {
				throw new Error(`redis-server on port ${this.port} exited at start:\n${proc.output()}`);
			}
			if (await pingOnce(this.port)) return;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
		throw new Error(`redis-server on port ${this.port} did not answer in 15 s:\n${proc.output()}`);
	}

	/** SIGKILL: no shutdown, no final fsync; whatever was not on disk is gone. */
	async kill(): Promise<void> {
		const proc = this.#proc;
		if (!proc) return;
		this.#proc = undefined;
		if (proc.process.exitCode === null && proc.process.signalCode === null) {
			proc.process.kill("SIGKILL");
		}
		await proc.exited;
	}

	/** Starts the server again on the same port and data directory. */
	async restart(): Promise<void> {
		await this.kill();
		await this.#spawn();
	}

	/** A raw client for the test's own checks and faults; closed by `close()`. */
	client(): Redis {
		const client = new Redis({
			port: this.port,
			host: "127.0.0.1",
			maxRetriesPerRequest: null,
			retryStrategy: () => 50,
		});
		client.on("error", () => {
			// reconnects by itself; a check that needs the server awaits its commands
		});
		this.#clients.add(client);
		return client;
	}

	async close(): Promise<void> {
		for (const client of this.#clients) client.disconnect();
		this.#clients.clear();
		await this.kill();
	}
}
