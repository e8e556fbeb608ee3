/**
 * The web process of the signup examples, whatever the framework: the signup body's rules, and
 * the server's life cycle around the framework's own listen and close.
 */
import { openQueue, registerHandlers, type SignupQueue } from "./jobs.js";
import { closeOnSignals, redactUrl } from "./lifecycle.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The 400 message for a body that is not JSON. */
export const NOT_JSON = 'expected a JSON body: { "email": "…" }';

/** The 400 message for a JSON body without a valid `email`. */
export const BAD_EMAIL = "email is missing or not an email address";

/** The signup from a request body, or `undefined` when `email` is missing or not an address. */
export function parseSignup(body: unknown): { email: string } | undefined {
	if (typeof body !== "object" || body === null) return undefined;
	const { email } = body as { email?: unknown };
	if (typeof email !== "string" || email.length > 254 || !EMAIL.test(email)) return undefined;
	return { email };
}

/** An HTTP server the framework started: the port it got, and how to close it. */
export interface ListeningServer {
	port: number;
	/** Stops accepting connections; resolves once the server is closed. */
	close(): Promise<void>;
}

/** Starts the framework's HTTP server for `queue` on `port` and `hostname`; resolves once it listens. */
export type Listen = (
	queue: SignupQueue,
	address: { port: number; hostname: string },
) => Promise<ListeningServer>;

/**
 * Runs the web process. With `REDIS_URL` it only enqueues (run the worker beside it); without,
 * it also runs the jobs itself, on the memory store (dev mode). Listens on `HOST` (default
 * 127.0.0.1) and `PORT` (default 3000; 0 picks a free one); on SIGTERM or SIGINT, closes the
 * HTTP server, then the queue.
 */
export async function runSignupServer(listen: Listen): Promise<void> {
	const { queue, kind } = await openQueue();
	if (kind === "memory") {
		registerHandlers(queue);
		queue.work({ concurrency: 4 });
		console.log("[server] no REDIS_URL: jobs run in this process on the memory store (dev mode)");
	} else {
		console.log(
			`[server] enqueuing to ${redactUrl(process.env.REDIS_URL ?? "")}; run the worker beside it`,
		);
	}

	const hostname = process.env.HOST ?? "127.0.0.1";
	const server = await listen(queue, { port: Number(process.env.PORT ?? 3000), hostname });
	console.log(`[server] listening on http://${hostname}:${server.port}`);

	closeOnSignals("server", async () => {
		await server.close();
		console.log("[server] HTTP server closed");
		await queue.close();
		console.log(
			kind === "memory"
				? "[server] queue closed: in-process worker drained, memory store closed"
				: "[server] queue closed: Redis connections closed",
		);
	});
}
