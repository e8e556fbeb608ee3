/**
 * Disposable `redis-server` processes for tests: spawned on free loopback ports, stopped on
 * teardown and, as a last resort, when the test process exits.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "redis-server";
export const REDIS_CLI = process.env.REDIS_CLI_BIN ?? "redis-cli";

/** Whether `bin --version` runs. */
export function hasBinary(bin: string): boolean {
	const result = spawnSync(bin, ["--version"], { stdio: "ignore" });
	return result.error === undefined && result.status === 0;
}

/** A free TCP port on the loopback interface. */
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

/** A spawned server that can be stopped and started again on the same port and data dir. */
export interface RedisServer {
	readonly port: number;
	readonly url: string;
	/** Starts it again after {@link stop} (same port, same data directory). */
	start(): Promise<void>;
	/** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the exit. */
	stop(): Promise<void>;
	/** Stops it and deletes its data directory. */
	dispose(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
	for (const child of running) child.kill("SIGKILL");
});

/** Spawns `redis-server` with `extraArgs`; resolves once it accepts connections. */
export async function startRedisServer(
	options: { port?: number; args?: readonly string[] } = {},
): Promise<RedisServer> {
	const port = options.port ?? (await freePort());
	const dir = mkdtempSync(join(tmpdir(), "jobs-redis-"));
	const args = [
		"--port",
		String(port),
		"--bind",
		"127.0.0.1",
		"--save",
		"",
		"--appendonly",
		"no",
		"--dir",
		dir,
		...(options.args ?? []),
	];
	let child: ChildProcess | undefined;

	const start = async () => {
		const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
		child = proc;
		running.add(proc);
		proc.once("exit", () => running.delete(proc));
		await new Promise<void>((resolve, reject) => {
			let output = "";
			const timer = setTimeout(
				() => reject(new Error(`redis-server not ready in 10 s:\n${output}`)),
				10_000,
			);
			proc.once("error", (error) => {
				clearTimeout(timer);
				reject(error);
			});
			proc.once("exit", (code) => {
				clearTimeout(timer);
				reject(new Error(`redis-server exited with code ${code}:\n${output}`));
			});
			proc.stdout?.on("data", (chunk: Buffer) => {
				output += chunk.toString();
				if (output.includes("Ready to accept connections")) {
					clearTimeout(timer);
					resolve();
				}
			});
		});
		proc.removeAllListeners("error");
		proc.stdout?.removeAllListeners("data");
		proc.stdout?.resume();
		proc.stderr?.resume();
	};

	const stop = () =>
		new Promise<void>((resolve) => {
			const proc = child;
			if (!proc || proc.exitCode !== null || proc.signalCode !== null) return resolve();
			const kill = setTimeout(() => proc.kill("SIGKILL"), 5_000);
			proc.once("exit", () => {
				clearTimeout(kill);
				resolve();
			});
			proc.kill("SIGTERM");
		});

	await start();
	return {
		port,
		url: `redis://127.0.0.1:${port}`,
		start,
		stop,
		dispose: async () => {
			await stop();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Runs `redis-cli` with `args`; rejects with its output when it fails. */
export function redisCli(args: readonly string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const proc = spawn(REDIS_CLI, args, { stdio: ["ignore", "pipe", "pipe"] });
		let output = "";
		proc.stdout.on("data", (b: Buffer) => {
			output += b.toString();
		});
		proc.stderr.on("data", (b: Buffer) => {
			output += b.toString();
		});
		proc.once("error", reject);
		proc.once("exit", (code) =>
			code === 0 ? resolve(output) : reject(new Error(`redis-cli ${args.join(" ")}: ${output}`)),
		);
	});
}
