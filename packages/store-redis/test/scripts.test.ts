import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadLua, scriptSpecs } from "../src/scripts.js";

const luaDir = new URL("../src/lua/", import.meta.url);

describe("Lua scripts", () => {
	it("has one file per registered script and no stray ones", () => {
		const files = readdirSync(luaDir).filter((f) => f.endsWith(".lua"));
		expect(files.toSorted()).toEqual(
			Object.values(scriptSpecs)
				.map((s) => `${s.file}.lua`)
				.toSorted(),
		);
	});

	for (const [name, spec] of Object.entries(scriptSpecs)) {
		it(`${name}: the header lists exactly the KEYS the registry passes, and says what it returns`, () => {
			const lua = loadLua(spec.file);
			const header = lua.slice(0, lua.indexOf("]]"));
			const listed = [...header.matchAll(/KEYS\[(\d+)\] (\S+)/g)].map((m) => [Number(m[1]), m[2]]);
			const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
			expect(listed).toEqual(spec.keys.map((key, i) => [i + 1, kebab(key)]));
			expect(header).toMatch(/Returns/);
			expect(lua).not.toMatch(/^-- @include/m);
		});

		it(`${name}: touches keys only through KEYS, and formats numbers without tostring`, () => {
			const lua = loadLua(spec.file);
			const code = lua.replace(/--\[\[[\s\S]*?\]\]/g, "").replace(/--[^\n]*/g, "");
			expect(code).not.toMatch(/tostring\(/);
			// Every redis.call names its key as KEYS[n] or a parameter fed from KEYS.
			expect(code).not.toMatch(/rcall\('[A-Z]+',\s*'/);
		});
	}
});
