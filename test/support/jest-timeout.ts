// Jest 30 ignores a project's `testTimeout` (only the global one reaches the runner), so the
// projects that start emulators and Nest apps raise it here.
jest.setTimeout(60_000);
