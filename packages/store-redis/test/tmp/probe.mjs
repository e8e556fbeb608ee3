import { JobQueue } from "@jobs/core";
import { MemoryJobStore } from "@jobs/store-memory";
import { RedisJobStore } from "../../dist/index.js";

const q = new JobQueue({ store: new MemoryJobStore() });
const show = async (label, fn) => {
	try {
		const r = await fn();
		console.log(label, "→ OK", JSON.stringify(r)?.slice(0, 80));
	} catch (e) {
		console.log(label, "→", e.constructor.name, e.code ?? "", e.message.slice(0, 120));
	}
};
await show("delai", () => q.add("a", {}, { delai: 1 }));
await show("long name", () => q.add("x".repeat(100000), {}));
const deep = {};
let cur = deep;
for (let i = 0; i < 20000; i++) {
	cur.a = {};
	cur = cur.a;
}
await show("deep", () => q.add("a", deep));
await show("getter throws", () =>
	q.add("a", {
		get x() {
			throw new Error("boom");
		},
	}),
);
await show("null options", () => q.add("a", {}, null));
await show("store {}", () => new JobQueue({ store: {} }));
await show("bad clock", () => new JobQueue({ store: new MemoryJobStore(), clock: {} }));
await show("addMany bad name", () =>
	q.addMany([
		{ name: "a", data: {} },
		{ name: "", data: {} },
	]),
);
await show("addMany bad data", () =>
	q.addMany([
		{ name: "a", data: {} },
		{ name: "a", data: { d: new Date() } },
	]),
);
await show("addMany null entry", () => q.addMany([null]));
await show("work null", () => q.work(null));
await show("connect port -1", () => RedisJobStore.connect({ port: -1 }));
await show("connect port 'x'", () => RedisJobStore.connect({ port: "x" }));
await show("connect host 5", () => RedisJobStore.connect({ host: 5 }));
await show("connect db -1", () => RedisJobStore.connect({ db: -1 }));
await show("connect url db x", () => RedisJobStore.connect({ url: "redis://localhost:6379/x" }));
await show("connect null", () => RedisJobStore.connect(null));
await show("handle null opts", () => q.handle("z", async () => {}, null));
process.exit(0);
