export * from './memory-cef-sink';
export * from './test-app';
export * from './serve-app';
