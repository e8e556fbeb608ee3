#!/usr/bin/env node
/**
 * `node src/profile-summary.mjs FILE.cpuprofile [...]` — where a V8 CPU profile (from
 * `node src/run.mjs --cpu-prof jobs`) spends its time: self time by package and the top
 * functions by self and by inclusive time. Several files are summed (e.g. all rounds).
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** Which part of the stack a call frame belongs to. */
export function category(frame) {
	const { url, functionName } = frame;
	if (!url) {
		if (/^\((idle|program|garbage collector|root)\)$/.test(functionName)) return functionName;
		return "V8 builtins / native";
	}
	if (url.includes("/packages/core/")) return "@jobs/core";
	if (url.includes("/packages/store-redis/")) return "@jobs/store-redis";
	if (url.includes("/ioredis/")) return "ioredis";
	if (url.includes("/@ioredis/") || url.includes("/redis-parser/") || url.includes("/denque/")) {
		return "ioredis deps";
	}
	if (url.includes("/bullmq/")) return "bullmq";
	if (url.includes("/msgpackr/") || url.includes("/tslib/")) return "bullmq deps";
	if (url.includes("/bench/src/")) return "bench harness";
	if (url.startsWith("node:")) return "node internals";
	return "other";
}

/** Self and inclusive microseconds per node of one profile. */
export function summarize(profile) {
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const self = new Map();
	const { samples, timeDeltas } = profile;
	for (let i = 0; i < samples.length; i++) {
		// timeDeltas[i + 1] is the time until the next sample: the time spent in sample i.
		const dt = timeDeltas[i + 1] ?? 0;
		self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
	}
	const byCategory = new Map();
	const byFunction = new Map();
	const inclusive = new Map();
	let total = 0;
	for (const [id, us] of self) {
		const node = byId.get(id);
		total += us;
		const cat = category(node.callFrame);
		byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
		const key = frameKey(node.callFrame);
		byFunction.set(key, (byFunction.get(key) ?? 0) + us);
		// Inclusive: add to every distinct function on the stack.
		const seen = new Set();
		for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
			const k = frameKey(byId.get(cur).callFrame);
			if (seen.has(k)) continue;
			seen.add(k);
			inclusive.set(k, (inclusive.get(k) ?? 0) + us);
		}
	}
	return { total, byCategory, byFunction, inclusive };
}

function frameKey(frame) {
	const file = frame.url ? shortUrl(frame.url) : "";
	return `${frame.functionName || "(anonymous)"} ${file}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
}

function shortUrl(url) {
	const m =
		/(packages\/[^/]+\/.*|node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(.*)|bench\/src\/.*)$/.exec(
			url,
		);
	if (m) return m[2] ?? m[1];
	return url.replace(/^file:\/\//, "");
}

function merge(into, from) {
	for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

function table(map, total, limit, title) {
	const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, limit);
	const lines = [`| ${title} | ms | % of samples |`, "| --- | ---: | ---: |"];
	for (const [k, us] of rows) {
		lines.push(`| \`${k}\` | ${(us / 1000).toFixed(1)} | ${((us / total) * 100).toFixed(1)} |`);
	}
	return lines.join("\n");
}

/** Markdown summary of one or more profiles. */
export function renderProfiles(files) {
	const agg = { total: 0, byCategory: new Map(), byFunction: new Map(), inclusive: new Map() };
	for (const file of files) {
		const s = summarize(JSON.parse(readFileSync(file, "utf8")));
		agg.total += s.total;
		merge(agg.byCategory, s.byCategory);
		merge(agg.byFunction, s.byFunction);
		merge(agg.inclusive, s.inclusive);
	}
	const idle = agg.byCategory.get("(idle)") ?? 0;
	return [
		`Profiles: ${files.map((f) => basename(f)).join(", ")}`,
		"",
		`Sampled ${(agg.total / 1000).toFixed(0)} ms, of which idle (waiting for Redis) ${((idle / agg.total) * 100).toFixed(1)}%.`,
		"",
		table(agg.byCategory, agg.total, 20, "self time by package"),
		"",
		table(agg.byFunction, agg.total, 25, "self time by function"),
		"",
		table(
			new Map([...agg.inclusive].filter(([k]) => !/^\((root|program|idle)\)/.test(k))),
			agg.total,
			30,
			"inclusive time by function",
		),
	].join("\n");
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
	const files = process.argv.slice(2);
	if (files.length === 0) {
		console.error("usage: node src/profile-summary.mjs FILE.cpuprofile [...]");
		process.exit(2);
	}
	console.log(renderProfiles(files));
}
