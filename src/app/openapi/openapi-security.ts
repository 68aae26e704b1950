import type { SchemeName } from '../../auth/schemes/token-scheme';
import type { RouteDefinition } from '../routing/route-table';

/** An OpenAPI 3.1 Security Scheme Object (`{ type: 'http', scheme: 'basic' }`…). */
export type SecuritySchemeObject = Readonly<Record<string, unknown>>;

/**
 * How the app's routes authenticate, for the OpenAPI document: the schemes by name
 * (`components.securitySchemes`) and which of them a route accepts (any one of them).
 */
export interface OpenApiSecurity {
  schemes: Readonly<Record<string, SecuritySchemeObject>>;
  /** The scheme names an `@authenticated` route accepts; default: every scheme. */
  routeSchemes?: (route: RouteDefinition) => readonly string[];
}

/** The Security Scheme Object of an auth scheme (docs/auth-tokens.md), Basic in `realm`. */
export function securitySchemeOf(name: SchemeName, realm: string): SecuritySchemeObject {
  switch (name) {
    case 'basic': return { type: 'http', scheme: 'basic', description: `HTTP Basic against the user store, realm "${realm}"` };
    case 'bearer': return { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
    case 'hawk': return { type: 'http', scheme: 'Hawk', description: 'Hawk-signed requests: a MAC over method, path, host, port and the payload hash' };
  }
}
