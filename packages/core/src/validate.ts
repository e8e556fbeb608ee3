/**
 * Input checks shared by `JobQueue`: each throws a specific `JobsError` naming what was wrong,
 * before anything reaches the store.
 * @module
 */
import {
	InvalidJobDataError,
	InvalidJobNameError,
	InvalidOptionError,
	PayloadTooLargeError,
} from "./errors.js";

/** The longest job name `JobQueue` accepts, in characters. */
export const MAX_JOB_NAME_LENGTH = 256;
/** How deeply job data may nest (objects and arrays inside one another). */
export const MAX_DATA_DEPTH = 64;

/**
 * Throws unless `name` is a non-empty string of at most {@link MAX_JOB_NAME_LENGTH} characters.
 * `at` prefixes the message with where the name was given (say `jobs[2].`).
 */
export function assertJobName(name: unknown, at = ""): asserts name is string {
	const where = at ? `${at}name: ` : "";
	if (typeof name !== "string") {
		throw new InvalidJobNameError(`${where}job name must be a string, got ${describe(name)}`);
	}
	if (name.length === 0) throw new InvalidJobNameError(`${where}job name must not be empty`);
	if (name.length > MAX_JOB_NAME_LENGTH) {
		throw new InvalidJobNameError(
			`${where}job name must be at most ${MAX_JOB_NAME_LENGTH} characters, got ${name.length}`,
		);
	}
}

/** Throws unless `value` is an options object (or undefined, when it may be left out). */
export function assertOptions(option: string, value: unknown): void {
	if (value !== undefined && (value === null || typeof value !== "object")) {
		throw new InvalidOptionError(option, `must be an object, got ${describe(value)}`);
	}
}

/** Throws unless `value` is an integer >= `min`. */
export function assertInteger(
	option: string,
	value: unknown,
	min: number,
): asserts value is number {
	if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
		throw new InvalidOptionError(option, `must be an integer >= ${min}, got ${describe(value)}`);
	}
}

/** Throws unless `value` is a finite number >= `min`. */
export function assertDuration(option: string, value: unknown, min = 0): asserts value is number {
	if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
		throw new InvalidOptionError(
			option,
			`must be a finite number of milliseconds >= ${min}, got ${describe(value)}`,
		);
	}
}

/** Throws unless `value` is a function. */
export function assertFunction(
	option: string,
	value: unknown,
): asserts value is (...args: never) => unknown {
	if (typeof value !== "function") {
		throw new InvalidOptionError(option, `must be a function, got ${describe(value)}`);
	}
}

/**
 * Encodes job data as JSON after checking that it survives the trip unchanged: no undefined,
 * functions, symbols, BigInt, NaN/Infinity, array holes, Map/Set/Date/class instances or cycles.
 * The error names the path of the first offending value, e.g. `data.user.at` (`root` is the
 * path of the data itself, say `jobs[2].data`). Data nested deeper than {@link MAX_DATA_DEPTH}
 * and a property whose getter throws are refused too.
 */
export function encodeJobData(data: unknown, maxBytes: number, root = "data"): string {
	checkJsonSafe(data, root, new Set());
	const json = JSON.stringify(data);
	// Cheap upper bound first: a UTF-16 code unit is at most 3 UTF-8 bytes.
	if (json.length * 3 > maxBytes) {
		const bytes = Buffer.byteLength(json, "utf8");
		if (bytes > maxBytes) throw new PayloadTooLargeError(bytes, maxBytes);
	}
	return json;
}

function checkJsonSafe(value: unknown, path: string, ancestors: Set<object>): void {
	switch (typeof value) {
		case "string":
		case "boolean":
			return;
		case "number":
			if (!Number.isFinite(value)) {
				throw new InvalidJobDataError(path, `${value} is not representable in JSON`);
			}
			return;
		case "undefined":
			throw new InvalidJobDataError(path, "undefined is not representable in JSON");
		case "function":
			throw new InvalidJobDataError(path, "a function is not representable in JSON");
		case "symbol":
			throw new InvalidJobDataError(path, "a symbol is not representable in JSON");
		case "bigint":
			throw new InvalidJobDataError(path, "a BigInt is not representable in JSON");
	}
	if (value === null) return;
	const obj = value as object;
	if (ancestors.has(obj)) throw new InvalidJobDataError(path, "circular reference");
	if (ancestors.size >= MAX_DATA_DEPTH) {
		throw new InvalidJobDataError(path, `nested deeper than ${MAX_DATA_DEPTH} levels`);
	}
	ancestors.add(obj);
	if (Array.isArray(obj)) {
		for (let i = 0; i < obj.length; i++) {
			if (!(i in obj)) throw new InvalidJobDataError(`${path}[${i}]`, "array hole (sparse array)");
			checkJsonSafe(obj[i], `${path}[${i}]`, ancestors);
		}
	} else {
		const proto = Object.getPrototypeOf(obj);
		if (proto !== Object.prototype && proto !== null) {
			const kind = proto?.constructor?.name ?? "object";
			throw new InvalidJobDataError(
				path,
				`${kind} is not a plain object and would not survive JSON`,
			);
		}
		if (Object.getOwnPropertySymbols(obj).length > 0) {
			throw new InvalidJobDataError(path, "symbol keys are not representable in JSON");
		}
		for (const key of Object.keys(obj)) {
			const at = childPath(path, key);
			let child: unknown;
			try {
				child = (obj as Record<string, unknown>)[key];
			} catch (error) {
				const reason = error instanceof Error ? error.message : String(error);
				throw new InvalidJobDataError(at, `reading it threw: ${reason}`);
			}
			checkJsonSafe(child, at, ancestors);
		}
	}
	ancestors.delete(obj);
}

function childPath(path: string, key: string): string {
	return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
	if (value === null) return "null";
	if (typeof value === "string")
		return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
	if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
		return String(value);
	}
	if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
	return typeof value;
}
