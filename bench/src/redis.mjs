/**
 * The benchmark's own redis-server (spawned on a free loopback port, no persistence) and the
 * `INFO` snapshots every scenario takes around its measured window.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A free TCP port on 127.0.0.1 (the kernel picks it; we release it just before use). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/**
 * Starts `redis-server` on a free port with persistence off. Resolves `{ url, port, stop }` once
 * it answers PING. `bin` defaults to `redis-server` on PATH (or `$REDIS_SERVER`).
 */
export async function startRedis({ bin = process.env.REDIS_SERVER ?? "redis-server" } = {}) {
	for (let attempt = 1; ; attempt++) {
		const port = await freePort();
		const child = spawn(
			bin,
			[
				"--port",
				String(port),
				"--bind",
				"127.0.0.1",
				"--save",
				"",
				"--appendonly",
				"no",
				"--daemonize",
				"no",
				"--loglevel",
				"warning",
			],
			{ stdio: ["ignore", "pipe", "pipe"] },
		);
		let output = "";
		child.stdout.on("data", (d) => {
			output += d;
		});
		child.stderr.on("data", (d) => {
			output += d;
		});
		const exited = new Promise((resolve) => child.once("exit", resolve));
		const ready = await waitForPing(port, exited);
		if (ready) {
			const stop = async () => {
				if (child.exitCode !== null) return;
				child.kill("SIGTERM");
				await Promise.race([exited, sleep(5_000)]);
				if (child.exitCode === null) child.kill("SIGKILL");
			};
			return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop };
		}
		child.kill("SIGKILL");
		if (attempt >= 3) {
			throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2_000)}`);
		}
	}
}

async function waitForPing(port, exited) {
	let gone = false;
	void exited.then(() => {
		gone = true;
	});
	const { Redis } = await import("ioredis");
	for (let i = 0; i < 100 && !gone; i++) {
		const client = new Redis({
			port,
			host: "127.0.0.1",
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			retryStrategy: () => null,
		});
		client.on("error", () => {});
		try {
			await client.connect();
			if ((await client.ping()) === "PONG") {
				client.disconnect();
				return true;
			}
		} catch {
			// not up yet
		}
		client.disconnect();
		await sleep(50);
	}
	return false;
}

/** Parses `INFO` text into `{ field: string }` (commandstats lines kept as raw strings). */
export function parseInfo(text) {
	const out = {};
	for (const line of text.split("\r\n")) {
		if (!line || line.startsWith("#")) continue;
		const i = line.indexOf(":");
		if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
	}
	return out;
}

/** `cmdstat_evalsha:calls=3,usec=…` → `{ evalsha: 3, … }` (calls only). */
export function parseCommandstats(info) {
	const calls = {};
	for (const [key, value] of Object.entries(info)) {
		if (!key.startsWith("cmdstat_")) continue;
		const m = /(?:^|,)calls=(\d+)/.exec(value);
		const u = /(?:^|,)usec=(\d+)/.exec(value);
		calls[key.slice(8)] = { calls: Number(m?.[1] ?? 0), usec: Number(u?.[1] ?? 0) };
	}
	return calls;
}

/**
 * One snapshot of the counters the benchmark reports: Redis CPU (s), commands processed (which on
 * Redis 7 include commands run inside Lua scripts), network bytes, memory, per-command calls.
 */
export async function snapshot(client) {
	const text = await client.info("all");
	const info = parseInfo(text);
	return {
		at: performance.now(),
		cpu: process.cpuUsage(),
		redisCpu: Number(info.used_cpu_sys) + Number(info.used_cpu_user),
		commands: Number(info.total_commands_processed),
		netIn: Number(info.total_net_input_bytes),
		netOut: Number(info.total_net_output_bytes),
		usedMemory: Number(info.used_memory),
		commandstats: parseCommandstats(info),
	};
}

/**
 * Counter deltas between two snapshots, minus the cost of one snapshot itself (`overhead`, the
 * delta between two back-to-back snapshots), so the INFO calls do not count against a system.
 */
export function delta(before, after, overhead) {
	const o = overhead ?? { redisCpu: 0, commands: 0, netIn: 0, netOut: 0, commandstats: {} };
	const commandstats = {};
	for (const [name, stat] of Object.entries(after.commandstats)) {
		const calls =
			stat.calls - (before.commandstats[name]?.calls ?? 0) - (o.commandstats[name]?.calls ?? 0);
		const usec =
			stat.usec - (before.commandstats[name]?.usec ?? 0) - (o.commandstats[name]?.usec ?? 0);
		if (calls > 0) commandstats[name] = { calls, usec };
	}
	return {
		wallMs: after.at - before.at,
		nodeCpuUs: after.cpu.user - before.cpu.user + (after.cpu.system - before.cpu.system),
		redisCpuUs: Math.max(0, (after.redisCpu - before.redisCpu - o.redisCpu) * 1e6),
		commands: after.commands - before.commands - o.commands,
		netBytes: after.netIn - before.netIn - o.netIn + (after.netOut - before.netOut - o.netOut),
		usedMemory: after.usedMemory - before.usedMemory,
		commandstats,
	};
}

/** Takes two back-to-back snapshots; the second is the window start, the gap is the overhead. */
export async function startWindow(client) {
	const a = await snapshot(client);
	const b = await snapshot(client);
	// Redis CPU is not corrected: INFO costs some tens of µs, below the counter's noise.
	const raw = {
		redisCpu: 0,
		commands: b.commands - a.commands,
		netIn: b.netIn - a.netIn,
		netOut: b.netOut - a.netOut,
		commandstats: Object.fromEntries(
			Object.entries(b.commandstats).map(([k, v]) => [
				k,
				{
					calls: v.calls - (a.commandstats[k]?.calls ?? 0),
					usec: v.usec - (a.commandstats[k]?.usec ?? 0),
				},
			]),
		),
	};
	return { start: b, overhead: raw };
}

/** Ends a window opened by {@link startWindow}: the cost of what ran in between. */
export async function endWindow(client, window) {
	const end = await snapshot(client);
	return delta(window.start, end, window.overhead);
}
