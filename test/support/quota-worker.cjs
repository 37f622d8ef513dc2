/* global process, require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself, not by jest or tsc */
'use strict';
/**
 * One "service instance" for the multi-process quota test: boots the built AppModule (dist/, so
 * the real QuotaService, repository and resilience code run), with settings from its environment
 * and the quota clock fixed at argv[2]. It prints `ready`, waits for a line on stdin so every
 * process starts together, runs argv[3] concurrent reserve('tiingo') calls and prints
 * `{"granted":…,"denied":…,"fallback":…,"errors":[…]}`.
 */
const { join } = require('node:path');
const { createInterface } = require('node:readline');

const dist = join(__dirname, '..', '..', 'dist', 'src');
const { Test } = require('@nestjs/testing');
const { AppModule } = require(join(dist, 'app.module.js'));
const { Clock } = require(join(dist, 'resilience', 'clock.js'));
const { QuotaService } = require(join(dist, 'quota', 'quota.service.js'));
const { QuotaExhaustedError } = require(join(dist, 'quota', 'quota.errors.js'));

async function main() {
  const now = new Date(process.argv[2]);
  const count = Number(process.argv[3]);
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(Clock)
    .useValue({ now: () => new Date(now) })
    .compile();
  await moduleRef.init();
  const quota = moduleRef.get(QuotaService);

  const lines = createInterface({ input: process.stdin });
  process.stdout.write('ready\n');
  await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    lines.once('close', () => reject(new Error('stdin closed before the start signal')));
  });
  lines.close();

  const results = await Promise.allSettled(Array.from({ length: count }, () => quota.reserve('tiingo')));
  const summary = { granted: 0, denied: 0, fallback: 0, errors: [] };
  for (const result of results) {
    if (result.status === 'fulfilled') {
      summary.granted += 1;
      if (result.value.fromFallback) summary.fallback += 1;
    } else if (result.reason instanceof QuotaExhaustedError) {
      summary.denied += 1;
    } else {
      summary.errors.push(String(result.reason));
    }
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  await moduleRef.close();
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
