// The error classes live below every layer that throws them (auth backends too); the app
// re-exports them as part of its API.
export * from '../../util/errors';
