export * from './app-error';
export * from './common.errors';
export * from './dependency.errors';
