import { STATUS_CODES } from 'node:http';
import type { AnswerProfile } from '../answer-profile';
import { PROBLEM_JSON } from '../responses/problem-details';
import type { RouteDefinition } from '../routing/route-table';
import type { StandardSchemaV1 } from '../validation/standard-schema';
import { type JsonSchema, inputJsonSchema } from './json-schema';
import type { OpenApiSecurity } from './openapi-security';

/** What the document says about the API (`info`): the app class's `static openApi`. */
export interface OpenApiInfo {
  /** Default: the app class's name. */
  title?: string;
  /** The API's version (default `0.0.0`). */
  version?: string;
  description?: string;
}

export interface OpenApiInput {
  info: Required<Pick<OpenApiInfo, 'title' | 'version'>> & OpenApiInfo;
  routes: readonly RouteDefinition[];
  profile: AnswerProfile;
  security: OpenApiSecurity;
  /** Told what could not be described (a schema without a JSON Schema converter). */
  warn?: (message: string) => void;
}

type Json = Record<string, unknown>;

const NAME = /^[A-Za-z_$][\w$]*/;
// The methods an OpenAPI 3.1 Path Item has a field for.
const OPERATIONS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);
// Routes whose path has several optional groups are listed once per variant, up to this many.
const MAX_VARIANTS = 16;

/** The variants of a path-to-regexp 8 path with `{…}` optional groups: with and without each. */
function expandGroups(path: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\') i++;
    else if (path[i] === '{' && depth++ === 0) open = i;
    else if (path[i] === '}' && --depth === 0) {
      const before = path.slice(0, open);
      const after = path.slice(i + 1);
      return [...expandGroups(before + path.slice(open + 1, i) + after), ...expandGroups(before + after)].slice(0, MAX_VARIANTS);
    }
  }
  return [path];
}

/** `/:username/notes/:id` as an OpenAPI path template (`/{username}/notes/{id}`) and its parameter names. */
export function pathTemplates(routerPath: string): Array<{ template: string; params: string[] }> {
  return expandGroups(routerPath).map((path) => {
    let template = '';
    const params: string[] = [];
    for (let i = 0; i < path.length; i++) {
      const ch = path[i];
      if (ch === '\\') {
        template += path[++i] ?? '';
        continue;
      }
      const name = ch === ':' || ch === '*' ? NAME.exec(path.slice(i + 1))?.[0] : undefined;
      if (!name) {
        template += ch;
        continue;
      }
      template += `{${name}}`;
      params.push(name);
      i += name.length;
    }
    return { template: template.length > 1 && template.endsWith('/') ? template.slice(0, -1) : template, params };
  });
}

function problemSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status'],
    properties: {
      type: { type: 'string', format: 'uri-reference' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      instance: { type: 'string', format: 'uri-reference' },
      errors: {
        description: 'the failing fields of a validation failure (at most 10)',
        type: 'array',
        items: {
          type: 'object',
          required: ['location', 'name', 'description'],
          properties: { location: { enum: ['body', 'query', 'params'] }, name: { type: 'string' }, description: { type: 'string' } },
        },
      },
      more: { type: 'integer', description: 'how many more fields failed' },
      crashId: { type: 'string', description: 'the id of a 500 or 503 in the server log' },
    },
  };
}

class DocumentBuilder {
  private readonly operationIds = new Map<string, number>();

  constructor(private readonly input: OpenApiInput) {}

  private schemaOf(route: RouteDefinition, location: string, schema: StandardSchemaV1 | undefined): JsonSchema | undefined {
    if (schema === undefined) return undefined;
    const converted = inputJsonSchema(schema);
    if ('schema' in converted) return converted.schema;
    this.input.warn?.(`${route.owner}: validate.${location} is not described: ${converted.problem}`);
    return undefined;
  }

  private errorResponse(status: number | 'default', why: string): Json {
    const content = this.input.profile === 'json'
      ? { [PROBLEM_JSON]: { schema: { $ref: '#/components/schemas/Problem' } } }
      : { 'text/plain': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } };
    const title = status === 'default' ? 'Error' : STATUS_CODES[status];
    return { description: `${title}: ${why}`, content };
  }

  private operationId(route: RouteDefinition): string {
    const base = String(route.property);
    const seen = this.operationIds.get(base) ?? 0;
    this.operationIds.set(base, seen + 1);
    return seen === 0 ? base : `${base}${seen + 1}`;
  }

  private parameters(route: RouteDefinition, pathParams: string[]): Json[] {
    const { validate } = route.options;
    const params = this.schemaOf(route, 'params', validate?.params);
    const query = this.schemaOf(route, 'query', validate?.query);
    const constraints = new Map(route.compiled.constraints);
    const list: Json[] = pathParams.map((name) => {
      const own = (params?.properties as Record<string, JsonSchema> | undefined)?.[name];
      const pattern = constraints.get(name)?.source;
      const schema = own ?? { type: 'string', ...(pattern ? { pattern } : {}) };
      return { name, in: 'path', required: true, schema };
    });
    const properties = (query?.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((query?.required ?? []) as string[]);
    for (const [name, schema] of Object.entries(properties)) list.push({ name, in: 'query', required: required.has(name), schema });
    return list;
  }

  private requestBody(route: RouteDefinition): Json | undefined {
    const { body, contentTypes, validate } = route.options;
    if (body === undefined) return undefined;
    const schema = this.schemaOf(route, 'body', validate?.body) ?? {};
    const types = contentTypes === 'any' ? ['*/*'] : [body === 'json' ? 'application/json' : 'text/plain', ...(contentTypes ?? [])];
    return { required: true, content: Object.fromEntries(types.map((type) => [type, { schema }])) };
  }

  private operation(route: RouteDefinition, pathParams: string[]): Json {
    const responses: Json = { 200: { description: 'Success' } };
    if (route.options.body !== undefined || route.options.validate !== undefined) responses[400] = this.errorResponse(400, 'the request is malformed or fails validation');
    if (route.authenticated) responses[401] = this.errorResponse(401, 'no credentials, or wrong ones');
    if (route.options.body !== undefined) {
      responses[413] = this.errorResponse(413, 'the body is over the route\'s limit');
      responses[415] = this.errorResponse(415, 'the body\'s Content-Type is not one the route reads');
    }
    responses.default = this.errorResponse('default', 'any other error');
    const operation: Json = { operationId: this.operationId(route), parameters: this.parameters(route, pathParams) };
    const requestBody = this.requestBody(route);
    if (requestBody) operation.requestBody = requestBody;
    operation.responses = responses;
    if (route.authenticated) {
      const { schemes, routeSchemes } = this.input.security;
      const names = routeSchemes ? routeSchemes(route) : Object.keys(schemes);
      const security: Json[] = names.map((name) => ({ [name]: [] }));
      if (route.authenticated.optional) security.push({});
      if (security.length > 0) operation.security = security;
    }
    return operation;
  }

  build(): Json {
    const { info, routes, profile, security } = this.input;
    const paths: Record<string, Json> = {};
    for (const route of routes) {
      for (const { template, params } of pathTemplates(route.compiled.path)) {
        const item = (paths[template] ??= {});
        for (const method of route.methods) {
          const key = method.toLowerCase();
          if (!OPERATIONS.has(key)) this.input.warn?.(`${route.owner}: ${method} has no place in an OpenAPI document`);
          else if (!(key in item)) item[key] = this.operation(route, params);
        }
      }
    }
    const components: Json = {};
    if (Object.keys(security.schemes).length > 0) components.securitySchemes = security.schemes;
    if (profile === 'json') components.schemas = { Problem: problemSchema() };
    const document: Json = { openapi: '3.1.0', info: { ...info }, paths };
    if (Object.keys(components).length > 0) document.components = components;
    return document;
  }
}

/**
 * The OpenAPI 3.1 document of an app (docs/app.md "OpenAPI"), from its route table: one
 * operation per route and method, path and query parameters and the request body from the
 * route's `validate` schemas (through the schema library's own JSON Schema converter), the
 * error answers of the app's answer profile, and the security schemes of its authentication.
 */
export function openApiDocument(input: OpenApiInput): Record<string, unknown> {
  return new DocumentBuilder(input).build();
}
