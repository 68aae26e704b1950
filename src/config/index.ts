export { Config, type ConfigOptions } from './config';
export { convert, type Env } from './convert';
export { ConfigError, EnvironmentNotFoundError } from './errors';
export { filterParams } from './filter-params';
export { loadAppConfig } from './app-config';
export { loadConfigFile } from './load-config-file';
export { hostConfigs } from './host-configs';
export { SECRET_KEYS, maskSecrets, maskUriCredentials, type MaskOptions } from './mask-secrets';
export type { ConfigValue, FlatConfig } from './types';
