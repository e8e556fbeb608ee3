// Enqueues jobs and exits: `node dist/producer.js [count]`. Needs no handlers.
import { createQueue } from "./jobs.js";

const count = Number(process.argv[2] ?? 100);
const queue = await createQueue();
const ids = await queue.addMany(
	Array.from({ length: count }, (_, i) =>
		i % 2 === 0
			? { name: "resize-image" as const, data: { url: `https://example.com/${i}.png`, width: 320 } }
			: {
					name: "send-receipt" as const,
					data: { orderId: `A-${i}`, email: `user${i}@example.com` },
				},
	),
);
console.log(`[producer] enqueued ${ids.length} jobs (#${ids[0]} … #${ids.at(-1)})`);
await queue.close();
