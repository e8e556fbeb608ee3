/**
 * The unique key derived from a job's name and data when `unique` gives none.
 * @module
 */
import { createHash } from "node:crypto";

/**
 * `~` and 22 base64url characters (132 bits) of SHA-256 over the name and the data with object
 * keys sorted, so `{ a, b }` and `{ b, a }` are the same job.
 */
export function derivedUniqueKey(name: string, payload: string): string {
	const canonical = JSON.stringify(JSON.parse(payload), sortKeys);
	const digest = createHash("sha256").update(name).update("\0").update(canonical).digest();
	return `~${digest.toString("base64url").slice(0, 22)}`;
}

function sortKeys(_key: string, value: unknown): unknown {
	if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
	const sorted: Record<string, unknown> = {};
	for (const key of Object.keys(value).sort())
		sorted[key] = (value as Record<string, unknown>)[key];
	return sorted;
}
