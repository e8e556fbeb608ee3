export * from "./clock.js";
export * from "./errors.js";
export type * from "./job-store.js";
