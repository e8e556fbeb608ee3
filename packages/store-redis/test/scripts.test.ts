import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadLua, QUEUE_KEYS, scriptSpecs } from "../src/scripts.js";

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

	it("names the keys in lib/common.lua in the order the registry passes them", () => {
		const lua = loadLua("reserve");
		const table = lua.slice(
			lua.indexOf("local K = {"),
			lua.indexOf("}", lua.indexOf("local K = {")),
		);
		const listed = [...table.matchAll(/(\w+) = KEYS\[(\d+)\]/g)].map((m) => [Number(m[2]), m[1]]);
		const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
		expect(listed).toEqual(QUEUE_KEYS.map((key, i) => [i + 1, snake(key)]));
	});

	for (const [name, file] of Object.entries(scriptSpecs)) {
		it(`${name}: the header says which KEYS it gets, its ARGV and what it returns`, () => {
			const lua = loadLua(file);
			const header = lua.slice(0, lua.indexOf("]]"));
			expect(header).toMatch(/KEYS: every key of the queue/);
			expect(header).toMatch(/Returns/);
			expect(lua).not.toMatch(/^-- @include/m);
		});

		it(`${name}: touches keys only through KEYS, and formats numbers without tostring`, () => {
			const lua = loadLua(file);
			const code = lua.replace(/--\[\[[\s\S]*?\]\]/g, "").replace(/--[^\n]*/g, "");
			expect(code).not.toMatch(/tostring\(/);
			// Every redis.call names its key through K (from KEYS) or a bucket built from K.jobs.
			expect(code).not.toMatch(/rcall\('[A-Z]+',\s*'/);
			expect(code.match(/KEYS\[/g)).toHaveLength(QUEUE_KEYS.length);
		});
	}
});
