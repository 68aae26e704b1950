export { SyncServerApp } from './sync-server-app';
export { route, authenticated, cef, type RouteOptions, type AuthenticatedOptions, type CefOptions } from './decorators';
export type { AppContext, AppState, AppUser, AppOptions } from './types';
export * from './errors';
export * from './responses';
export * from './respcodes';
export { createLogger } from './logger';
export { CEF_BACKEND_FAILURE, CEF_INVALID_USERNAME, CEF_URL_MISMATCH } from './basic-authentication';
export { proxy, type ProxyOptions } from './proxy';
