import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { killAll, startNode } from "../src/index.js";

const child = fileURLToPath(new URL("fixtures/child.mjs", import.meta.url));

const alive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

afterEach(async () => {
	await killAll();
});

describe("startNode", () => {
	it("passes args, env and cwd, collects stdout and stderr, and stops with SIGTERM", async () => {
		const cwd = realpathSync(tmpdir());
		const proc = startNode(child, { args: ["run", "ada"], env: { GREETING: "env" }, cwd });
		const [, word, greeting, dir] = await proc.waitFor(/hello (\w+) from (\w+) in (\S+)/);
		expect([word, greeting, dir]).toEqual(["ada", "env", cwd]);
		await proc.waitFor(/on stderr/);
		expect(proc.pid).toEqual(expect.any(Number));
		expect(await proc.stop()).toEqual({ code: 0, signal: null });
		expect(proc.output).toContain("bye");
		expect(alive(proc.pid)).toBe(false);
	});

	it("keeps process.env under the given env", async () => {
		process.env.JOBS_TEST_SUPPORT_PROBE = "inherited";
		try {
			const proc = startNode(child, { args: ["run", "x"], env: {} });
			await proc.waitFor(/hello x/);
			expect(proc.output).toContain("from undefined");
			await proc.stop();
			const proc2 = startNode(child, { args: ["run", "y"], env: { GREETING: "given" } });
			await proc2.waitFor(/hello y from given/);
			await proc2.stop();
		} finally {
			delete process.env.JOBS_TEST_SUPPORT_PROBE;
		}
	});

	it("rejects waitFor with the output when the process exits first", async () => {
		const proc = startNode(child, { args: ["exit"] });
		await expect(proc.waitFor(/never printed/)).rejects.toThrow(
			/exited before printing \/never printed\/; output:\nleaving early/,
		);
		expect(await proc.stop()).toEqual({ code: 3, signal: null });
	});

	it("rejects waitFor after its timeout", async () => {
		const proc = startNode(child, { args: ["run", "slow"] });
		await proc.waitFor(/hello slow/);
		await expect(proc.waitFor(/never printed/, 300)).rejects.toThrow(
			/did not print \/never printed\/ in 300 ms; output:\n[\s\S]*hello slow/,
		);
	});

	it("reports the signal that ended the process", async () => {
		const proc = startNode(child, { args: ["run", "k"] });
		await proc.waitFor(/hello k/);
		expect(await proc.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
		expect(await proc.stop()).toEqual({ code: null, signal: "SIGKILL" });
	});

	it("SIGKILLs a process that outlives stop's timeout, and says so", async () => {
		const proc = startNode(child, { args: ["stubborn", "s"] });
		await proc.waitFor(/hello s/);
		await expect(proc.stop("SIGTERM", 500)).rejects.toThrow(
			/did not exit within 500 ms of SIGTERM, so it was SIGKILLed; output:[\s\S]*ignoring SIGTERM/,
		);
		expect(alive(proc.pid)).toBe(false);
	});
});

describe("killAll", () => {
	it("SIGKILLs every process still running, and leaves ended ones alone", async () => {
		const done = startNode(child, { args: ["exit"] });
		await done.stop();
		const procs = [
			startNode(child, { args: ["run", "a"] }),
			startNode(child, { args: ["stubborn", "b"] }),
		];
		await Promise.all(procs.map((proc) => proc.waitFor(/hello/)));
		await killAll();
		for (const proc of procs) expect(alive(proc.pid)).toBe(false);
		expect(await procs[1]!.stop()).toEqual({ code: null, signal: "SIGKILL" });
	});
});
