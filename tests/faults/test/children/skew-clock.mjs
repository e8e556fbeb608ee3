// Preload (node --import) that shifts this process's Date.now() and `new Date()` by
// JOBS_CLOCK_SKEW_MS milliseconds, as a machine with a wrong clock would. performance.now()
// and performance.timeOrigin (the ledger's clock) are left alone.
const skew = Number(process.env.JOBS_CLOCK_SKEW_MS ?? 0);
const RealDate = Date;
const realNow = RealDate.now.bind(RealDate);

class SkewedDate extends RealDate {
	constructor(...args) {
		if (args.length === 0) super(realNow() + skew);
		else super(...args);
	}
	static now() {
		return realNow() + skew;
	}
}
globalThis.Date = SkewedDate;
