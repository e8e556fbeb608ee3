import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const main = fileURLToPath(new URL("../dist/main.js", import.meta.url));

describe("quick start", () => {
	it("processes a job, retries with backoff, runs a delayed job, dead-letters one and exits 0", async () => {
		const { stdout } = await run(process.execPath, [main], { timeout: 20_000 });
		expect(stdout).toContain("sent welcome mail to user@example.com");
		expect(stdout).toContain("flaky succeeded on attempt 3");
		expect(stdout).toContain("built report #42 (it was delayed)");
		expect(stdout).toMatch(/gave up on charge #\d+ after 2 attempts: card declined/);
		expect(stdout).toContain('stats: {"ready":0,"delayed":0,"active":0,"dead":1,"completed":0}');
		expect(stdout).toContain("done");
	});
});
