/**
 * The memory settings the container runs with: the Dockerfile's runtime ENV and the task
 * definition's environment carry exactly these (test/e2e/deployment-files.e2e-spec.ts keeps the
 * three equal). The local environment and the bench start the API with them too, so that the
 * bench measures the footprint a task has. Why each value: README, "Memory".
 *
 * - `--max-semi-space-size=16`: V8 sizes the young generation from the machine's memory; on a
 *   large host a busy process grows it to 2 × 64 MB (`new` space 128 MB, resident once touched).
 *   16 MB semi-spaces keep it at 32 MB.
 * - `--max-old-space-size=384`: a ceiling, not a target (V8 collects long before it): the memory
 *   cache at its default bound plus everything else stays far below it, and a heap that reached it
 *   would still leave a 1 GB task room for the native side. Raise it with OHLC_MEMORY_CACHE_MB.
 * - `MALLOC_ARENA_MAX=2`: glibc gives each thread that allocates (libuv pool, V8 workers) its own
 *   arena; two keep freed native memory in fewer, reusable places.
 */
export const RUNTIME_MEMORY_ENV = {
  NODE_OPTIONS: '--max-semi-space-size=16 --max-old-space-size=384',
  MALLOC_ARENA_MAX: '2',
} as const;
