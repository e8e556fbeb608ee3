#!/usr/bin/env node
/**
 * `node src/lua-setup.mjs [--calls 2000] [--rounds 7]`
 *
 * What each store script pays per call before doing any work: its top-level code, which defines
 * every helper of the libraries it includes anew on each EVALSHA (a Lua closure per `local
 * function`). Runs, on its own redis-server, each script cut right after its includes (the rest
 * replaced by `return 1`) and an empty script, and prints the median server-side µs per call
 * (INFO commandstats) of each. Not a benchmark against BullMQ: a measure for work on the scripts'
 * shape (see DIAGNOSIS.md, "Per-call setup of the scripts").
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { loadLua, scriptSpecs } from "../../packages/store-redis/dist/scripts.js";
import { startRedis } from "./redis.mjs";

const { values: args } = parseArgs({
	options: { calls: { type: "string", default: "2000" }, rounds: { type: "string", default: "7" } },
});
const calls = Number(args.calls);
const rounds = Number(args.rounds);
const redis = await startRedis();
const client = new Redis(redis.url);

/** The server-side µs per call of EVALSHA since the last reading. */
async function evalshaUsec() {
	const info = await client.info("commandstats");
	const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(info);
	return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

const bodies = { empty: "return 1" };
for (const [name, file] of Object.entries(scriptSpecs)) {
	const lua = loadLua(file).replace(/^#!lua[^\n]*\n/, "");
	// The included libraries end where the script's own text starts: the last include's end.
	const raw = readFileSync(
		new URL(`../../packages/store-redis/src/lua/${file}.lua`, import.meta.url),
		"utf8",
	);
	const ownStart = raw.lastIndexOf("-- @include");
	const ownText = raw.slice(raw.indexOf("\n", ownStart) + 1);
	bodies[name] = `${lua.slice(0, lua.length - ownText.length)}\nreturn 1`;
}
const results = [];
for (const [name, body] of Object.entries(bodies)) {
	const sha = await client.script("LOAD", body);
	const perCall = [];
	for (let r = 0; r < rounds; r++) {
		const [c0, u0] = await evalshaUsec();
		for (let i = 0; i < calls; i++) await client.evalsha(sha, 1, "{setup}:meta");
		const [c1, u1] = await evalshaUsec();
		perCall.push((u1 - u0) / (c1 - c0));
	}
	perCall.sort((a, b) => a - b);
	results.push({ name, median: perCall[Math.floor(rounds / 2)] });
}
console.log("| script | setup µs per call (median) |\n| --- | ---: |");
for (const { name, median } of results) console.log(`| ${name} | ${median.toFixed(1)} |`);
client.disconnect();
await redis.stop();
