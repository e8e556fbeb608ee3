/**
 * What crosses the script boundary: record tails built for `add`, errors as JSON text, and the
 * flat string arrays scripts return, turned back into `LeasedJob`s and `DeadJobRecord`s.
 * @module
 */

import { randomBytes } from "node:crypto";
import {
	type DeadJobRecord,
	type JobErrorInfo,
	type LeasedJob,
	type NewJob,
	StoreError,
} from "@jobs/core";

/** The `lastError` a sweep records; the same words as the memory store. */
export const LEASE_EXPIRED: JobErrorInfo = {
	message: "lease expired before the job was settled (worker crashed or stalled)",
};

/** Strings per job in a script reply (see src/lua/lib/take.lua and dead-letter.lua). */
export const FIELDS_PER_JOB = 7;

/**
 * The immutable part of a job record, `<maxAttempts>,<nameLen>,0|<name><payload>`; the script
 * puts the id and attempts in front. Lengths count UTF-8 bytes, as Lua's `#` does.
 */
export function recordTail(job: NewJob): string {
	return `${job.maxAttempts ?? ""},${Buffer.byteLength(job.name)},0|${job.name}${job.payload}`;
}

/** When the job is due: `""` ready now, `+ms` after a delay, `@epochMs` at a time. */
export function dueSpec(job: NewJob): string {
	if (job.delay !== undefined && job.delay > 0) return `+${plain(job.delay)}`;
	if (job.runAt !== undefined) return `@${plain(Math.floor(job.runAt))}`;
	return "";
}

/** A number as plain decimal digits (never `1e+21`), which Lua's tonumber reads back exactly. */
export function plain(n: number): string {
	return Number.isInteger(n) ? BigInt(n).toString() : n.toFixed(3);
}

/** An error as stored: JSON text of its documented fields only. Lua never decodes it. */
export function encodeError(error: JobErrorInfo): string {
	const info: JobErrorInfo = { message: String(error.message) };
	if (typeof error.name === "string") info.name = error.name;
	if (typeof error.stack === "string") info.stack = error.stack;
	return JSON.stringify(info);
}

function decodeError(text: string): JobErrorInfo {
	try {
		const info = JSON.parse(text) as JobErrorInfo;
		if (typeof info?.message === "string") return info;
	} catch {
		// fall through: keep what is there rather than lose it
	}
	return { message: text };
}

/** A fresh random prefix for the lease tokens of one call; scripts append `.1`, `.2`, … */
export function tokenBase(): string {
	return randomBytes(12).toString("base64url");
}

function strings(reply: unknown, from: number): string[] {
	if (!Array.isArray(reply) || (reply.length - from) % FIELDS_PER_JOB !== 0) {
		throw new StoreError(`unexpected reply from Redis: ${JSON.stringify(reply)?.slice(0, 200)}`);
	}
	return reply as string[];
}

/** The leased jobs in a script reply, starting at index `from`. */
export function leasedJobs(reply: unknown, from: number): LeasedJob[] {
	const r = strings(reply, from);
	const jobs: LeasedJob[] = [];
	for (let i = from; i < r.length; i += FIELDS_PER_JOB) {
		const [id, token, attempts, max, name, err, payload] = r.slice(i, i + FIELDS_PER_JOB) as [
			string,
			string,
			string,
			string,
			string,
			string,
			string,
		];
		const job: LeasedJob = { id, name, payload, attempts: Number(attempts), token };
		if (max !== "") job.maxAttempts = Number(max);
		if (err !== "") job.lastError = decodeError(err);
		jobs.push(job);
	}
	return jobs;
}

/** The dead jobs in a dead-letter reply. */
export function deadJobs(reply: unknown): DeadJobRecord[] {
	const r = strings(reply, 0);
	const jobs: DeadJobRecord[] = [];
	for (let i = 0; i < r.length; i += FIELDS_PER_JOB) {
		const [id, failedAt, attempts, max, name, err, payload] = r.slice(i, i + FIELDS_PER_JOB) as [
			string,
			string,
			string,
			string,
			string,
			string,
			string,
		];
		const job: DeadJobRecord = {
			id,
			name,
			payload,
			attempts: Number(attempts),
			error: decodeError(err),
			failedAt: Number(failedAt),
		};
		if (max !== "") job.maxAttempts = Number(max);
		jobs.push(job);
	}
	return jobs;
}
