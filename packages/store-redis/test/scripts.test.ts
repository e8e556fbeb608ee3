import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { queueKeys } from "../src/keys.js";
import { loadLua, scriptSpecs } from "../src/scripts.js";

const luaDir = new URL("../src/lua/", import.meta.url);

describe("Lua scripts", () => {
	it("has one file per registered script and no stray ones", () => {
		const files = readdirSync(luaDir).filter((f) => f.endsWith(".lua"));
		expect(files.toSorted()).toEqual(
			Object.values(scriptSpecs)
				.map((file) => `${file}.lua`)
				.toSorted(),
		);
	});

	it("names every key in lib/common.lua from `meta` exactly as queueKeys does", () => {
		const lua = loadLua("reserve");
		const start = lua.indexOf("local K = {");
		const table = lua.slice(start, lua.indexOf("}\n", start));
		const keys = queueKeys("p");
		expect(keys.meta.slice(0, -5)).toBe("{p}");
		const named: Record<string, string> = {};
		for (const [, name, value] of table.matchAll(/(\w+) = (base \.\. '[^']+'|KEYS\[1\])/g)) {
			named[name!] = value === "KEYS[1]" ? keys.meta : `{p}${value!.slice(9, -1)}`;
		}
		const expected = keys;
		const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
		expect(named).toEqual(
			Object.fromEntries(Object.entries(expected).map(([key, value]) => [snake(key), value])),
		);
	});

	it("flags how each script meets a full memory: add refused whole, the rest allowed", () => {
		const flags = Object.fromEntries(
			Object.entries(scriptSpecs).map(([name, file]) => [name, loadLua(file).split("\n")[0]]),
		);
		const { add, getJob, stats, serverTime, readEvents, ...writers } = flags;
		expect(add).toBe("#!lua");
		for (const readOnly of [getJob, stats, serverTime, readEvents])
			expect(readOnly).toBe("#!lua flags=no-writes");
		for (const shebang of Object.values(writers)) expect(shebang).toBe("#!lua flags=allow-oom");
	});

	for (const [name, file] of Object.entries(scriptSpecs)) {
		it(`${name}: the header says which KEYS it gets, its ARGV and what it returns`, () => {
			const lua = loadLua(file);
			const header = lua.slice(0, lua.indexOf("]]"));
			expect(header).toMatch(/KEYS\[1\] meta \(hash\); the other keys are named from it/);
			expect(header).toMatch(/Returns/);
			expect(lua).not.toMatch(/^-- @include/m);
		});

		it(`${name}: touches keys only through KEYS, and formats numbers without tostring`, () => {
			const lua = loadLua(file);
			const code = lua.replace(/--\[\[[\s\S]*?\]\]/g, "").replace(/--[^\n]*/g, "");
			expect(code).not.toMatch(/tostring\(/);
			// Every redis.call names its key through K (named from KEYS[1]) or a bucket of K.jobs.
			expect(code).not.toMatch(/rcall\('[A-Z]+',\s*'/);
			expect(code.match(/KEYS\[/g)).toHaveLength(2);
		});
	}
});
