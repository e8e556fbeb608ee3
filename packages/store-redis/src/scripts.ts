/**
 * The Lua scripts: a typed registry (name → file and KEYS), loading with `@include` splicing,
 * running them by their SHA-1, and the one place where failures become `JobsError`s.
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import {
	BadRecordError,
	IdsExhaustedError,
	type JobsError,
	StoreClosedError,
	StoreError,
	StoreFullError,
	StoreUnavailableError,
} from "@jobs/core";
import { type Cluster, Command, type Redis } from "ioredis";
import { isCluster } from "./connect.js";
import type { QueueKeys } from "./keys.js";

/** A client the store can run scripts on. */
export type RedisClient = Redis | Cluster;

/**
 * Every script, named after the store method it implements (`settleMany`: `ack`, `retry`, `fail`
 * and `release`), with its file in src/lua.
 *
 * Each file opens with a Redis 7 shebang whose flags say how it meets a full memory
 * (`maxmemory` under `noeviction`): `add` has none, so Redis refuses it whole before it runs;
 * the worker and admin scripts carry `allow-oom`, so reserve, settle, extend and sweep go on
 * draining (which frees memory) instead of losing leases; the read-only ones carry `no-writes`.
 */
export const scriptSpecs = {
	add: "add",
	reserve: "reserve",
	settleMany: "settle-many",
	extend: "extend",
	sweep: "sweep",
	stats: "stats",
	deadLetter: "dead-letter",
	retryDead: "retry-dead",
	removeDead: "remove-dead",
	getJob: "get-job",
	listJobs: "list-jobs",
	removeJob: "remove-job",
	serverTime: "time",
	progress: "progress",
	readEvents: "read-events",
	pause: "pause",
	limits: "limits",
	pauseGroup: "pause-group",
} as const satisfies Record<string, string>;

/** The name of a script in {@link scriptSpecs}. */
export type ScriptName = keyof typeof scriptSpecs;

/** An argument of a script (ARGV entry). */
export type ScriptArg = string | number;

// The scripts live in src/lua, next to this file in the sources and one level up from dist/,
// and the package ships src/: `../src/lua/` resolves from both places.
const luaDir = new URL("../src/lua/", import.meta.url);
const INCLUDE = /^-- @include (\S+)\s*$/gm;
/** The line of lib/common.lua that sets the event cap the scripts are made for. */
const EVENTS_MAX_LINE = /^local EVENTS_MAX = 0\b.*$/m;

/**
 * Reads a script and splices in its `-- @include lib/x.lua` lines. `eventsMax` is compiled in
 * (the cap of the event stream; 0: no events), so a store without events runs scripts that do
 * not even test for them.
 */
export function loadLua(file: string, eventsMax = 0): string {
	const source = readFileSync(new URL(`${file}.lua`, luaDir), "utf8");
	const lua = source.replace(INCLUDE, (_line, path: string) =>
		readFileSync(new URL(path, luaDir), "utf8"),
	);
	return eventsMax === 0 ? lua : lua.replace(EVENTS_MAX_LINE, `local EVENTS_MAX = ${eventsMax}`);
}

interface LoadedScript {
	readonly lua: string;
	/** The SHA-1 of the code, what EVALSHA names it by. */
	readonly sha: string;
	readonly numberOfKeys: number;
}

/** The scripts of each event cap, loaded once. */
const loaded = new Map<number, Map<ScriptName, LoadedScript>>();

/**
 * The scripts for an event cap. Each runs by the SHA-1 of its code, so two versions of this
 * package (or two caps) on one Redis never run each other's scripts.
 */
function scripts(eventsMax: number): Map<ScriptName, LoadedScript> {
	let set = loaded.get(eventsMax);
	if (!set) {
		set = new Map();
		for (const [name, file] of Object.entries(scriptSpecs) as [ScriptName, string][]) {
			const lua = loadLua(file, eventsMax);
			set.set(name, { lua, sha: createHash("sha1").update(lua).digest("hex"), numberOfKeys: 1 });
		}
		loaded.set(eventsMax, set);
	}
	return set;
}

/**
 * Runs script `name` with the queue's keys (in the registry's order) and `args` as ARGV: EVALSHA,
 * and EVAL when the server answers NOSCRIPT (its script cache was flushed, a restart, a
 * failover). A NOSCRIPT reply means the script did not run, so sending the code itself is safe,
 * and EVAL cannot meet NOSCRIPT.
 */
export async function runScript(
	client: RedisClient,
	name: ScriptName,
	keys: ScriptKeys,
	args: readonly ScriptArg[],
): Promise<unknown> {
	const script = scripts(keys.eventsMax).get(name)!;
	try {
		return await client.sendCommand(evalsha(script, keys, args));
	} catch (error) {
		if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
		const argv = (keys.keys as readonly ScriptArg[]).concat(args);
		return client.eval(script.lua, script.numberOfKeys, ...argv);
	}
}

/**
 * An EVALSHA command with its arguments set, as strings, after it was made: ioredis's own script
 * commands flatten their arguments with `Array.prototype.flat`, which cost a busy worker a
 * sixth of its CPU on calls of hundreds of arguments.
 */
function evalsha(script: LoadedScript, keys: ScriptKeys, args: readonly ScriptArg[]): Command {
	const command = new Command("evalsha", [], { replyEncoding: "utf8" });
	const all: string[] = [script.sha, String(script.numberOfKeys)];
	for (const key of keys.keys) all.push(key);
	for (const arg of args) all.push(typeof arg === "string" ? arg : String(arg));
	command.args = all;
	return command;
}

/**
 * Error replies that mean Redis did not run the command and may later: a script of another
 * client past `busy-reply-threshold` (BUSY), an AOF still loading, a replica, a cluster in flux.
 */
const NOT_RUN = /^(BUSY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY)\b/;
/** Longest wait between two tries of a call Redis answered with one of {@link NOT_RUN}. */
const NOT_RUN_MAX_WAIT_MS = 1_000;

/**
 * {@link runScript} for worker calls, which wait through trouble instead of failing at once: a
 * reply that says the script did not run ({@link NOT_RUN}) is tried again, after 25 ms doubling
 * to 1 s, until it runs, `closed()` (then the reply's error is thrown) or `deadline` (local epoch
 * ms: then it rejects with {@link TIMED_OUT}, whatever hangs: a dead connection, an outage).
 * Trying again is exact: the first try changed nothing. READONLY (the node was demoted by a
 * failover) also reconnects a standalone client, so it finds the new master wherever its
 * address now points.
 */
export function runScriptPatiently(
	client: RedisClient,
	name: ScriptName,
	keys: ScriptKeys,
	args: readonly ScriptArg[],
	closed: () => boolean,
	deadline: number,
	onDeadline?: () => void,
): Promise<unknown> {
	const notRun = (error: unknown) => error instanceof Error && NOT_RUN.test(error.message);
	return runAgainUntil(client, name, keys, args, deadline, closed, {
		worthTrying: notRun,
		maxWaitMs: NOT_RUN_MAX_WAIT_MS,
		blameLast: false,
		onDeadline,
	});
}

/**
 * Reopens a connection that let a call pass its deadline unanswered: it is dead or black-holed
 * (a connection that is only slow answers within the deadline). This stands in for a
 * `socketTimeout`, which would arm and clear a timer on every reply of the hot path. Only
 * while the connection looks ready: one dead connection is reopened once.
 */
export function reopen(client: RedisClient): void {
	if (!isCluster(client) && client.status === "ready") client.disconnect(true);
}

/** When {@link runAgainUntil} sends a call again, and what it says once `deadline` passed. */
interface AgainPolicy {
	/** Whether a failure is worth another try. */
	worthTrying(error: unknown): boolean;
	/** The longest wait between two tries (the first is 25 ms, doubling). */
	maxWaitMs: number;
	/** At the deadline, reject with the last failure (else with the timeout). */
	blameLast: boolean;
	/** Called when the deadline passes with the call unanswered. */
	onDeadline?: (() => void) | undefined;
}

/**
 * Runs a script until it answers, a failure is not worth another try or `closed()`, or
 * `deadline` (local epoch ms) passes; a READONLY failure also reconnects a standalone client.
 */
async function runAgainUntil(
	client: RedisClient,
	name: ScriptName,
	keys: ScriptKeys,
	args: readonly ScriptArg[],
	deadline: number,
	closed: () => boolean,
	policy: AgainPolicy,
): Promise<unknown> {
	let last: unknown;
	const atDeadline = (timeout: unknown) => (policy.blameLast ? (last ?? timeout) : timeout);
	for (let wait = 25; ; wait = Math.min(wait * 2, policy.maxWaitMs)) {
		try {
			return await bounded(runScript(client, name, keys, args), deadline);
		} catch (error) {
			if (error instanceof DeadlineError) {
				policy.onDeadline?.();
				throw atDeadline(error);
			}
			if (!policy.worthTrying(error) || closed()) throw error;
			reconnectIfDemoted(client, (error as Error).message);
			last = error;
		}
		try {
			await bounded(sleep(wait), deadline);
		} catch (error) {
			throw atDeadline(error);
		}
	}
}

/** A call that got no answer by its deadline. */
class DeadlineError extends Error {
	constructor() {
		super(`${TIMED_OUT}: no answer from Redis in time`);
	}
}

/** A pending call's deadline, and how to end it there. */
interface Watch {
	readonly deadline: number;
	expire(): void;
}

// One shared timer checks every pending call's deadline (10 times a second, while any waits)
// rather than a timer per call: a store makes thousands of calls a second, almost all answered
// in a millisecond.
const watched = new Set<Watch>();
let ticker: ReturnType<typeof setInterval> | undefined;

function tick(): void {
	const now = Date.now();
	for (const watch of watched) {
		if (now >= watch.deadline) {
			watched.delete(watch);
			watch.expire();
		}
	}
	if (watched.size === 0 && ticker) {
		clearInterval(ticker);
		ticker = undefined;
	}
}

/**
 * What `attempt` settles to, or a {@link DeadlineError} at `deadline` (local epoch ms), checked
 * within 100 ms. The attempt may still settle later: nobody listens then.
 */
function bounded<T>(attempt: Promise<T>, deadline: number): Promise<T> {
	return new Promise<T>((resolve, reject) => {
		const watch: Watch = { deadline, expire: () => reject(new DeadlineError()) };
		watched.add(watch);
		if (!ticker) {
			ticker = setInterval(tick, 100);
			ticker.unref?.();
		}
		attempt.then(
			(value) => {
				watched.delete(watch);
				resolve(value);
			},
			(error: unknown) => {
				watched.delete(watch);
				reject(error);
			},
		);
	});
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * READONLY: the node was demoted by a failover. A standalone client reconnects, so it finds the
 * new master wherever its address now points (a Sentinel, a moved DNS name or virtual IP);
 * a Cluster client follows the new slot map by itself.
 */
function reconnectIfDemoted(client: RedisClient, message: string): void {
	if (message.startsWith("READONLY") && !isCluster(client)) client.disconnect(true);
}

/**
 * Failures that say a call did not reach Redis or was not run there, or whose connection dropped
 * before its reply: sending it again is safe for a call that changes nothing the second time.
 */
function worthResending(error: unknown): boolean {
	if (!(error instanceof Error)) return false;
	if (error.message.startsWith(TIMED_OUT)) return false;
	return (
		NOT_RUN.test(error.message) ||
		UNAVAILABLE.test(error.message) ||
		error.name === "MaxRetriesPerRequestError" ||
		error.name === "ClusterAllFailedError"
	);
}

/** ioredis rejects a command after `commandTimeout` with this message. */
const TIMED_OUT = "Command timed out";
/** Longest wait between two tries of {@link runScriptUntil}. */
const RESEND_MAX_WAIT_MS = 250;

/**
 * {@link runScript} for producer calls that may be sent again (reads, and `add`, whose add key
 * makes a second copy change nothing), so they ride through a short outage: a failure that says
 * the call did not get through ({@link worthResending}) is tried again, after 25 ms doubling to
 * 250 ms, until `deadline` (local epoch ms) or `closed()`. Such failures end the call only at
 * `deadline`, never before (a copy may still be on its way: an `add` relies on Redis refusing it
 * by then), with the last of them; other failures end it at once.
 */
export function runScriptUntil(
	client: RedisClient,
	name: ScriptName,
	keys: ScriptKeys,
	args: readonly ScriptArg[],
	deadline: number,
	closed: () => boolean,
): Promise<unknown> {
	return runAgainUntil(client, name, keys, args, deadline, closed, {
		worthTrying: worthResending,
		maxWaitMs: RESEND_MAX_WAIT_MS,
		blameLast: true,
	});
}

/**
 * What every script call of one queue is made with: the KEYS, its `meta` hash alone (the scripts
 * name the other keys from it, see src/lua/lib/common.lua; they all share its hash slot, so Redis
 * Cluster routes the call by this one), and the event cap the store's scripts are made for.
 */
export interface ScriptKeys {
	readonly keys: readonly [string];
	readonly eventsMax: number;
}

/** Computes {@link ScriptKeys} once per store rather than once per call. */
export function scriptKeys(keys: QueueKeys, eventsMax = 0): ScriptKeys {
	return { keys: [keys.meta], eventsMax };
}

/** The codes a script raises (`error({ err = 'JOBS_… detail' })`), each with its error class. */
const scriptErrors: Record<string, (detail: string, cause: Error) => JobsError> = {
	JOBS_BAD_RECORD: (detail, cause) =>
		new BadRecordError(`corrupt data in Redis: ${detail}`, { cause }),
	JOBS_IDS_EXHAUSTED: (detail) => new IdsExhaustedError(detail),
};

/** Redis refused a write at `maxmemory` under `noeviction`. */
const OUT_OF_MEMORY = /^OOM /;
/** Redis before 7.0 reads the scripts' shebang line (`#!lua flags=…`) as Lua, and fails. */
const SHEBANG_UNSUPPORTED = /Error compiling script.*near '#'/s;

/** Connection-level failures: refused, reset, timed out, closed, retries exhausted. */
const UNAVAILABLE =
	/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|EPIPE|Connection is closed|Command timed out|max retries per request|Stream isn't writeable|Cluster isn't ready|Failed to refresh slots cache|None of startup nodes is available/i;

/**
 * Turns anything a Redis call rejected with into a `JobsError`: script codes into their typed
 * errors, connection failures into `StoreUnavailableError`, the rest into `StoreError`.
 * `closed` says the store was closed, which explains any connection error.
 */
export function codeToError(error: unknown, operation: string, closed: boolean): JobsError {
	const cause = error instanceof Error ? error : new Error(String(error));
	const message = cause.message.replace(/^ERR (user_script|Error running script)[^:]*: ?/, "");
	const code = /(JOBS_[A-Z_]+) ?(.*)$/s.exec(message);
	const known = code?.[1] ? scriptErrors[code[1]] : undefined;
	if (known) return known(code?.[2] ?? "", cause);
	if (closed) return new StoreClosedError();
	if (OUT_OF_MEMORY.test(cause.message)) {
		return new StoreFullError(`Redis is out of memory, ${operation} refused: ${cause.message}`, {
			cause,
		});
	}
	if (SHEBANG_UNSUPPORTED.test(cause.message)) {
		return new StoreError(`@jobs/store-redis needs Redis 7.0 or later: ${cause.message}`, {
			cause,
		});
	}
	if (
		UNAVAILABLE.test(cause.message) ||
		cause.name === "MaxRetriesPerRequestError" ||
		cause.name === "ClusterAllFailedError"
	) {
		return new StoreUnavailableError(`Redis is unavailable (${operation}): ${cause.message}`, {
			cause,
		});
	}
	if (NOT_RUN.test(cause.message)) {
		return new StoreUnavailableError(
			`Redis cannot serve ${operation} right now: ${cause.message}`,
			{ cause },
		);
	}
	return new StoreError(`Redis failed ${operation}: ${cause.message}`, { cause });
}
