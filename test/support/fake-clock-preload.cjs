/* global process */
'use strict';
/**
 * `node --require fake-clock-preload.cjs`: the process's Date runs on a shared simulated clock,
 * FAKE_CLOCK_START_MS at the real instant FAKE_CLOCK_ANCHOR_MS, FAKE_CLOCK_SPEED times faster.
 * Several service processes and the test (see fakeClock() in fake-clock.ts) started with the same
 * three values agree on "now" to the millisecond, so a multi-process test can watch two simulated
 * minutes of a trading session in twelve real seconds. Timers keep running in real time.
 */
const start = Number(process.env.FAKE_CLOCK_START_MS);
const anchor = Number(process.env.FAKE_CLOCK_ANCHOR_MS);
const speed = Number(process.env.FAKE_CLOCK_SPEED || 1);
if (Number.isFinite(start) && Number.isFinite(anchor)) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const fakeNow = () => Math.floor(start + (realNow() - anchor) * speed);
  class FakeDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(fakeNow());
      else super(...args);
    }
    static now() {
      return fakeNow();
    }
  }
  globalThis.Date = FakeDate;
}
