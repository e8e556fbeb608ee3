// Enqueues jobs and exits: `node dist/producer.js [count]`. Needs no handlers.
import { createQueue } from "./jobs.js";

const count = Number(process.argv[2] ?? 100);
const queue = await createQueue();
const added = await queue.addMany(
	Array.from({ length: count }, (_, i) =>
		i % 2 === 0
			? { name: "resize-image" as const, data: { url: `https://example.com/${i}.png`, width: 320 } }
			: {
					name: "send-receipt" as const,
					data: { orderId: `A-${i}`, email: `user${i}@example.com` },
				},
	),
);
console.log(`[producer] enqueued ${added.length} jobs (#${added[0]?.id} … #${added.at(-1)?.id})`);
await queue.close();
