export { SyncServerApp, type AppMiddleware } from './sync-server-app';
export type { AppHooks, HookName } from './hooks';
export type { LifecycleState } from './lifecycle';
export type { AnswerProfile } from './answer-profile';
export { PROBLEM_JSON } from './responses/problem-details';
export type { OpenApiInfo } from './openapi/openapi-document';
export type { SecuritySchemeObject } from './openapi/openapi-security';
export { BasicAuthenticator, type Authenticator } from './authentication/authenticator';
export { route, authenticated, cef, type RouteOptions, type RouteBody, type AuthenticatedOptions, type CefOptions } from './routing/decorators';
export type { ContentTypes } from './routing/accepted-content-types';
export type { RouteValidation, Valid, ValidContext, InvalidField, ValidationLocation } from './validation/route-validation';
export type { StandardSchemaV1 } from './validation/standard-schema';
export type { AppContext, AppState, AppUser, AppOptions } from './types';
export * from './responses/errors';
export * from './responses/responses';
export * from '../util/respcodes';
export { createLogger } from './observability/logger';
export { FRAMEWORK_SETTINGS, readSettings, type FrameworkSettings, type ReadSettingsOptions } from './framework-settings';
export { CEF_BACKEND_FAILURE, CEF_INVALID_USERNAME, CEF_URL_MISMATCH } from './authentication/basic-authentication';
export { CEF_ACCOUNT_LOCKED, TooManyLoginsError } from './authentication/login-throttling';
export { CEF_WRONG_NODE } from './authentication/node-check';
export {
  CEF_BAD_PAYLOAD, CEF_HAWK_REPLAY, CEF_INSUFFICIENT_SCOPE, CEF_INVALID_BEARER, CEF_INVALID_HAWK, type RouteAuth,
} from './authentication/token-authentication';
export { proxy, type ProxyOptions } from './responses/proxy';
export type { HeartbeatCheck, CheckOutcome, CheckStatus, HeartbeatReport } from './pages/dockerflow';
export type { AppMetrics, AuthOutcome, Scrape } from './observability/metrics';
