import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { CONTROL, VARIANTS } from "./teeth/broken-stores.js";

interface AssertionResult {
	ancestorTitles: string[];
	title: string;
	status: string;
}
interface JsonReport {
	testResults: { assertionResults: AssertionResult[] }[];
}

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const vitestBin = join(
	dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
	"vitest.mjs",
);

/**
 * Runs the contract against every broken store in one child vitest process (its failures must
 * not fail this run) and reads the JSON reporter's per-test results.
 */
async function runContractOnBrokenStores(): Promise<AssertionResult[]> {
	const dir = mkdtempSync(join(tmpdir(), "jobs-teeth-"));
	const outputFile = join(dir, "report.json");
	// Drop the parent's VITEST_* variables so the child starts as a fresh top-level run.
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")),
	);
	try {
		await new Promise<void>((resolve, reject) => {
			execFile(
				process.execPath,
				[
					vitestBin,
					"run",
					"--config",
					"test/teeth/vitest.config.ts",
					"--reporter=json",
					`--outputFile=${outputFile}`,
				],
				{ cwd: packageDir, env, maxBuffer: 64 * 1024 * 1024 },
				// Exit code 1 is the expected outcome; a missing report is the real failure.
				(error, _stdout, stderr) => {
					try {
						readFileSync(outputFile);
						resolve();
					} catch {
						reject(new Error(`the child vitest run wrote no report: ${error?.message}\n${stderr}`));
					}
				},
			);
		});
		const report = JSON.parse(readFileSync(outputFile, "utf8")) as JsonReport;
		return report.testResults.flatMap((file) => file.assertionResults);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

describe("the contract suite's teeth", () => {
	let results: AssertionResult[] = [];
	const of = (store: string) => results.filter((r) => r.ancestorTitles[0] === store);

	beforeAll(async () => {
		results = await runContractOnBrokenStores();
	}, 120_000);

	it("passes the working MemoryJobStore, every test of it", () => {
		const control = of(CONTROL.name);
		expect(control.length).toBeGreaterThan(100);
		expect(control.filter((r) => r.status !== "passed")).toEqual([]);
	});

	for (const variant of VARIANTS) {
		it(`fails a store that ${variant.name}`, () => {
			const mine = of(variant.name);
			expect(mine.length).toBe(of(CONTROL.name).length);
			const failed = mine.filter((r) => r.status === "failed").map((r) => r.title);
			expect(failed.length).toBeGreaterThan(0);
			expect(failed).toContain(variant.caughtBy);
		});
	}
});
