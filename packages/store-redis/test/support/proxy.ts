/**
 * A TCP proxy in front of Redis that can withhold replies, hold requests back (a black hole: no
 * reset, no reply) and let them through later, cut every connection, and be pointed at another
 * port for new connections (a DNS name or virtual IP an operator moves in a failover).
 */
import { createServer, type Socket, connect as tcpConnect } from "node:net";

export interface ReplyDroppingProxy {
	readonly port: number;
	/**
	 * The loopback port new connections are forwarded to (at first `targetPort`). Changing it
	 * leaves open connections where they are: only connections made afterwards go to the new one.
	 */
	target: number;
	/** While true, replies from Redis are dropped instead of forwarded. */
	dropReplies: boolean;
	/** While true, requests to Redis are held back; setting it false sends them on, in order. */
	holdRequests: boolean;
	/**
	 * While true, every connection swallows what is sent either way (a black hole). Setting it
	 * false lets new connections through; the ones it swallowed stay dead, as a connection whose
	 * route or NAT state was lost does, until someone closes them.
	 */
	blackHole: boolean;
	/** Destroys every proxied connection, both sides. */
	cutAll(): void;
	close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `targetPort` (see `target`). */
export async function startProxy(targetPort: number): Promise<ReplyDroppingProxy> {
	const pairs = new Set<[Socket, Socket]>();
	/** One per connection: sends on the requests it held back. */
	const holds = new Set<() => void>();
	let holding = false;
	let blackHole = false;
	/** Connections a black hole swallowed: dead for good. */
	const dead = new WeakSet<Socket>();
	const server = createServer((client) => {
		const upstream = tcpConnect(proxy.target, "127.0.0.1");
		const pair: [Socket, Socket] = [client, upstream];
		pairs.add(pair);
		if (blackHole) dead.add(client);
		const held: Buffer[] = [];
		const release = () => {
			for (const chunk of held.splice(0)) upstream.write(chunk);
		};
		holds.add(release);
		const end = () => {
			pairs.delete(pair);
			holds.delete(release);
			client.destroy();
			upstream.destroy();
		};
		client.on("data", (chunk) => {
			if (dead.has(client)) return;
			if (holding) held.push(chunk);
			else upstream.write(chunk);
		});
		upstream.on("data", (chunk) => {
			if (!proxy.dropReplies && !dead.has(client)) client.write(chunk);
		});
		client.on("close", end);
		upstream.on("close", end);
		client.on("error", end);
		upstream.on("error", end);
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const proxy: ReplyDroppingProxy = {
		port: (server.address() as { port: number }).port,
		target: targetPort,
		dropReplies: false,
		get holdRequests() {
			return holding;
		},
		set holdRequests(hold: boolean) {
			holding = hold;
			if (!hold) for (const release of holds) release();
		},
		get blackHole() {
			return blackHole;
		},
		set blackHole(on: boolean) {
			blackHole = on;
			if (on) for (const [client] of pairs) dead.add(client);
		},
		cutAll() {
			for (const [client, upstream] of pairs) {
				client.destroy();
				upstream.destroy();
			}
			pairs.clear();
		},
		close() {
			proxy.cutAll();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
	return proxy;
}
