/**
 * Turning what a handler threw into what the store keeps.
 * @module
 */
import { HandlerFailedError } from "../errors.js";
import type { JobErrorInfo } from "../job-store.js";

/** Turns anything a handler threw into an Error, keeping the original value. */
export function toError(value: unknown): Error {
	if (value instanceof Error) return value;
	if (typeof value === "string") return new HandlerFailedError(value, value);
	if (value === undefined || value === null) {
		return new HandlerFailedError(`handler failed with ${String(value)}`, value);
	}
	let text: string;
	try {
		text = JSON.stringify(value) ?? String(value);
	} catch {
		text = String(value);
	}
	return new HandlerFailedError(
		`handler failed with a non-Error value: ${text.slice(0, 500)}`,
		value,
	);
}

/** The plain-string form of `error` that a store persists. */
export function errorInfo(error: Error): JobErrorInfo {
	const info: JobErrorInfo = { name: error.name, message: error.message };
	if (error.stack) info.stack = error.stack;
	return info;
}
