/**
 * Connection handling: options → ioredis clients, and the checks on a caller's client.
 * @module
 */

import { InvalidOptionError } from "@jobs/core";
import { type Cluster, Redis, type RedisOptions } from "ioredis";
import type { RedisClient } from "./scripts.js";

/** Options of {@link RedisJobStore.connect}. */
export interface RedisJobStoreOptions {
	/** A `redis://` or `rediss://` URL. Explicit `host`, `port`, `password`, `db` override its parts. */
	url?: string;
	/** Default `127.0.0.1`. */
	host?: string;
	/** Default `6379`. */
	port?: number;
	/** ACL user name. */
	username?: string;
	password?: string;
	/** Database index. Default `0`. */
	db?: number;
	/** Key prefix of the queue. Default `"jobs"`. See the README for the key layout. */
	prefix?: string;
	/**
	 * How long a producer-side call (`add`, `stats`, the lookups, the dead-letter calls) may take
	 * before it rejects with `StoreUnavailableError`, in milliseconds. Default 5,000. Within it,
	 * `add` and the reads ride through a short outage (a restart, a failover), sending the call
	 * again until it gets through; an `add` that rejected never applies later. A producer
	 * connection with a call out that hears nothing back for this long is closed and reopened
	 * (a dead connection: no reset, no reply).
	 */
	commandTimeoutMs?: number;
	/**
	 * How long a worker-side call (`reserve`, the settles, `extend`, `sweep`) waits through an
	 * outage, a failover or a dead connection before it rejects with `StoreUnavailableError`, in
	 * milliseconds; the worker then tries again on its own schedule. Default 30,000. A worker
	 * connection with a call out that hears nothing back for this long is closed and reopened.
	 */
	workerTimeoutMs?: number;
	/** Further ioredis options for every connection (e.g. `tls`). `keyPrefix` is refused. */
	redisOptions?: RedisOptions;
	/**
	 * How many ids of acked jobs that were added with a `jobId` the queue remembers, newest first,
	 * so that adding such an id again reports the job instead of running it twice. Default
	 * 100,000 (about 40 bytes of Redis memory each); 0 forgets an id as soon as its job is acked.
	 */
	jobIdHistory?: number;
	/**
	 * Write job events to a capped stream (`{prefix}:events`) that any process can follow
	 * (capability `events`): `true` for 10,000 events kept, or `{ maxLen }`. Every process that
	 * changes jobs must say the same: a process without it writes none. Default off: the scripts
	 * are then made without a line of event code.
	 */
	events?: boolean | { maxLen?: number };
}

/** Default of {@link RedisJobStoreOptions.commandTimeoutMs}. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/** Default of {@link RedisJobStoreOptions.workerTimeoutMs}. */
export const DEFAULT_WORKER_TIMEOUT_MS = 30_000;

/** Default of {@link RedisJobStoreOptions.jobIdHistory}. */
export const DEFAULT_JOB_ID_HISTORY = 100_000;

/** The connections a store made itself. */
export interface OwnedClients {
	/** Bounded-time connection for producer-side calls. */
	producer: Redis;
	/** Connection for worker-side calls; retries commands through outages. Connects on first use. */
	worker: Redis;
	/** The producer calls' timeout ({@link RedisJobStoreOptions.commandTimeoutMs}). */
	commandTimeoutMs: number;
	/** The worker calls' timeout ({@link RedisJobStoreOptions.workerTimeoutMs}). */
	workerTimeoutMs: number;
}

/** Reconnects quickly at first, then every second: a worker resumes soon after Redis is back. */
const retryStrategy = (times: number): number => Math.min(times * 50, 1_000);

/** CLIENT SETNAME refuses spaces and control characters. */
const clientName = (prefix: string, role: string): string =>
	`jobs:${prefix}:${role}`.replace(/[^\x21-\x7e]/g, "_");

/** Opens the producer and worker connections for {@link RedisJobStoreOptions}. */
export function openClients(options: RedisJobStoreOptions, prefix: string): OwnedClients {
	const extra = options.redisOptions ?? {};
	refuseKeyPrefix(extra.keyPrefix);
	const timeout =
		timeoutOf("commandTimeoutMs", options.commandTimeoutMs) ?? DEFAULT_COMMAND_TIMEOUT_MS;
	const workerTimeout =
		timeoutOf("workerTimeoutMs", options.workerTimeoutMs) ?? DEFAULT_WORKER_TIMEOUT_MS;
	const explicit = definedOnly({
		host: options.host,
		port: options.port,
		username: options.username,
		password: options.password,
		db: options.db,
	});
	checkAddress(explicit, "");
	const base: RedisOptions = { ...extra, ...fromUrl(options.url), ...explicit, retryStrategy };
	const producer = new Redis({
		...base,
		connectionName: clientName(prefix, "producer"),
		// Give up on a command after one failed reconnect, and after `timeout` in any case.
		maxRetriesPerRequest: 1,
		commandTimeout: timeout,
		// Close a connection that hears nothing back for that long (a black hole): reconnect.
		socketTimeout: extra.socketTimeout ?? timeout,
	});
	const worker = new Redis({
		...base,
		connectionName: clientName(prefix, "worker"),
		maxRetriesPerRequest: null,
		lazyConnect: true,
		// No socketTimeout here (it costs a timer per reply): a worker call unanswered by its
		// deadline reopens the connection instead (see reopen in scripts.ts).
		...(extra.socketTimeout === undefined ? {} : { socketTimeout: extra.socketTimeout }),
	});
	return { producer, worker, commandTimeoutMs: timeout, workerTimeoutMs: workerTimeout };
}

/** Checks a timeout option: undefined, or a positive number of milliseconds. */
export function timeoutOf(option: string, value: unknown): number | undefined {
	if (value === undefined) return undefined;
	if (!(typeof value === "number" && Number.isFinite(value) && value > 0)) {
		throw new InvalidOptionError(option, "must be a positive number of milliseconds");
	}
	return value;
}

/** The `commandTimeout` a client was made with, if any. */
export function clientCommandTimeout(client: RedisClient): number | undefined {
	return positive(clientOptions(client)?.commandTimeout);
}

/** The `socketTimeout` a client was made with, if any. */
export function clientSocketTimeout(client: RedisClient): number | undefined {
	return positive(clientOptions(client)?.socketTimeout);
}

function clientOptions(client: RedisClient): RedisOptions | undefined {
	return isCluster(client) ? client.options.redisOptions : (client as Redis).options;
}

function positive(value: unknown): number | undefined {
	return typeof value === "number" && value > 0 ? value : undefined;
}

function fromUrl(url: string | undefined): RedisOptions {
	if (url === undefined) return {};
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new InvalidOptionError("url", `not a URL: "${url}"`);
	}
	if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
		throw new InvalidOptionError(
			"url",
			`expected redis:// or rediss://, got "${parsed.protocol}//"`,
		);
	}
	const db = parsed.pathname.replace(/^\//, "");
	if (db !== "" && !/^\d+$/.test(db)) {
		throw new InvalidOptionError("url", `the path must be a database number, got "/${db}"`);
	}
	const address = definedOnly({
		host: parsed.hostname.replace(/^\[|\]$/g, "") || undefined,
		port: parsed.port ? Number(parsed.port) : undefined,
		username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
		password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
		db: db ? Number(db) : undefined,
		tls: parsed.protocol === "rediss:" ? {} : undefined,
	});
	checkAddress(address, "url ");
	return address;
}

/** Refuses a host, port, db, username or password that could never connect, naming it. */
function checkAddress(address: Partial<RedisOptions>, from: string): void {
	const { host, port, db, username, password } = address;
	if (host !== undefined && (typeof host !== "string" || host === "")) {
		throw new InvalidOptionError(`${from}host`, `must be a non-empty string, got ${String(host)}`);
	}
	if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
		throw new InvalidOptionError(
			`${from}port`,
			`must be an integer from 1 to 65535, got ${String(port)}`,
		);
	}
	if (db !== undefined && !(Number.isInteger(db) && db >= 0)) {
		throw new InvalidOptionError(`${from}db`, `must be an integer >= 0, got ${String(db)}`);
	}
	for (const [name, value] of [
		["username", username],
		["password", password],
	] as const) {
		if (value !== undefined && typeof value !== "string") {
			throw new InvalidOptionError(`${from}${name}`, `must be a string, got ${typeof value}`);
		}
	}
}

function definedOnly<T extends object>(object: T): Partial<T> {
	return Object.fromEntries(
		Object.entries(object).filter(([, v]) => v !== undefined),
	) as Partial<T>;
}

function refuseKeyPrefix(keyPrefix: string | undefined): void {
	if (keyPrefix) {
		throw new InvalidOptionError(
			"keyPrefix",
			"ioredis keyPrefix is not supported: it would not apply to keys built inside Lua scripts. " +
				"Use the store's `prefix` option instead.",
		);
	}
}

/** True for an ioredis `Cluster`. */
export function isCluster(client: RedisClient): client is Cluster {
	return (client as { isCluster?: boolean }).isCluster === true;
}

/** Throws when a caller's client uses ioredis `keyPrefix`. */
export function checkClient(client: RedisClient): void {
	if (isCluster(client)) {
		refuseKeyPrefix(client.options.keyPrefix ?? client.options.redisOptions?.keyPrefix);
	} else {
		refuseKeyPrefix((client as Redis).options.keyPrefix);
	}
}

/**
 * The client's `maxRetriesPerRequest` when it is finite: such a client rejects commands during
 * an outage, so a worker on it stops getting jobs until the next poll after Redis is back.
 */
export function finiteRetries(client: RedisClient): number | undefined {
	const value = isCluster(client)
		? client.options.redisOptions?.maxRetriesPerRequest
		: (client as Redis).options.maxRetriesPerRequest;
	if (value === null) return undefined;
	return value ?? 20; // the ioredis default
}
