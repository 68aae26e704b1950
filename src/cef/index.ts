export * from './signatures';
export * from './types';
export { formatCef, MAX_LENGTH, type FormatOptions } from './cef-format';
export { getSourceIp } from './cef-environ';
export { CefLogger, type CefLoggerOptions } from './cef-logger';
export { logCef } from './log-cef';
export type { CefConfigSource } from './cef-settings';
