/* global module, process */
'use strict';
/**
 * Jest reporter: after the run, one line per project with its wall time (first suite start to
 * last suite end; projects overlap when run together), the summed suite time and the counts, so
 * every CI log shows where the minutes go.
 */
class ProjectTimingReporter {
  constructor() {
    this.projects = new Map();
  }

  onTestResult(test, result) {
    const name = (test.context && test.context.config && test.context.config.displayName && test.context.config.displayName.name) || 'default';
    const entry = this.projects.get(name) || { start: Infinity, end: 0, busyMs: 0, suites: 0, tests: 0, failed: 0 };
    entry.start = Math.min(entry.start, result.perfStats.start);
    entry.end = Math.max(entry.end, result.perfStats.end);
    entry.busyMs += result.perfStats.end - result.perfStats.start;
    entry.suites += 1;
    entry.tests += result.numPassingTests + result.numFailingTests;
    entry.failed += result.numFailingTests + (result.testExecError ? 1 : 0);
    this.projects.set(name, entry);
  }

  onRunComplete() {
    const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
    const lines = [...this.projects].map(
      ([name, p]) => `  ${name.padEnd(12)} wall ${seconds(p.end - p.start).padStart(8)}  suites ${seconds(p.busyMs).padStart(8)}  ${p.suites} suites, ${p.tests} tests, ${p.failed} failed`,
    );
    process.stdout.write(`\nRun time per project:\n${lines.join('\n')}\n`);
  }
}

module.exports = ProjectTimingReporter;
