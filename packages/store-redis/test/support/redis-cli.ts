/**
 * The Redis binaries the cluster tests need beyond `@jobs/test-support`'s redis-server:
 * whether they are on PATH, and `redis-cli` to build the cluster.
 */
import { spawn, spawnSync } from "node:child_process";

export const REDIS_SERVER = process.env.REDIS_SERVER_BIN ?? "redis-server";
export const REDIS_CLI = process.env.REDIS_CLI_BIN ?? "redis-cli";

/** Whether `bin --version` runs. */
export function hasBinary(bin: string): boolean {
	const result = spawnSync(bin, ["--version"], { stdio: "ignore" });
	return result.error === undefined && result.status === 0;
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
