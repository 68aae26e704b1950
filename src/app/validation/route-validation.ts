import { HttpError } from '../responses/errors';
import type { AppContext } from '../types';
import { type StandardSchemaV1, isStandardSchema } from './standard-schema';

/** The schemas of a route's `validate` option: any Standard Schema (valibot, zod…). */
export interface RouteValidation {
  body?: StandardSchemaV1;
  query?: StandardSchemaV1;
  params?: StandardSchemaV1;
}

export type ValidationLocation = keyof RouteValidation;

const LOCATIONS: readonly ValidationLocation[] = ['params', 'query', 'body'];

type OutputOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : undefined;

/** The validated, coerced values of a route whose `validate` is `V`. */
export type Valid<V extends RouteValidation> = {
  readonly [K in ValidationLocation]: OutputOf<V[K]>;
};

/**
 * The context of a handler whose route validates with `V`: `ctx.valid.body`, `.query` and
 * `.params` are typed by the schemas (`async add(ctx: ValidContext<typeof NoteInput>)`).
 */
export type ValidContext<V extends RouteValidation> = AppContext & { valid: Valid<V> };

/** One failing field: where (`body`, `query`, `params`), which (a dotted path), and why. */
export interface InvalidField {
  location: ValidationLocation;
  name: string;
  description: string;
}

// At most this many failing fields are reported (a 10 000-item array of wrong items is one line).
const MAX_REPORTED = 10;
const MAX_NAME = 100;
// A field whose message may carry its value is described without the message when its name
// says it is a credential. A fixed alternation: linear on any field name.
const SECRET_NAME = /pass|secret|token|key|auth|credential|code|cookie/i;

export interface ValidationDeps {
  /** The route's `invalid` respcode: the 400 body, as the legacy API answers bad input. */
  invalid?: number;
  /** `client_debug`: the failing fields also go into a respcode body. */
  clientDebug: boolean;
}

function fieldName(issue: StandardSchemaV1.Issue): string {
  const path = issue.path ?? [];
  const name = path.map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
}

function describe(location: ValidationLocation, issue: StandardSchemaV1.Issue): InvalidField {
  const name = fieldName(issue);
  // Library messages may quote the value ("expected "a" | "b" but received "hunter2"").
  const description = SECRET_NAME.test(name) ? 'invalid value' : issue.message.slice(0, 200);
  return { location, name, description };
}

/**
 * A route's validation, built once at construction: checks `ctx.params`, `ctx.query` and the
 * parsed body against their schemas and puts the values on `ctx.valid`. A failure is a 400:
 * the route's `invalid` respcode when it declares one (the fields only with `client_debug`),
 * else JSON naming the failing fields (`{ status: 'invalid', errors: [{ location, name, description }], more? }`,
 * at most 10 of them; `more` counts the rest); in the JSON answer profile, problem details with `errors` and `more`;
 * the fields are always logged.
 */
export function compileValidation(schemas: RouteValidation, deps: ValidationDeps): (ctx: AppContext) => void | Promise<void> {
  const parts = LOCATIONS.filter((location) => schemas[location] !== undefined)
    .map((location) => [location, schemas[location]!['~standard'].validate] as const);
  const input = (ctx: AppContext, location: ValidationLocation): unknown =>
    location === 'body' ? ctx.request.body : location === 'query' ? ctx.query : ctx.params;

  const fail = (ctx: AppContext, fields: InvalidField[], total: number): never => {
    ctx.state.log.info({ invalid: fields, invalidCount: total }, 'invalid request');
    const more = total > fields.length ? { more: total - fields.length } : {};
    // The JSON answer profile lists the fields in its problem+json answer, respcode or not.
    const problem = { errors: fields, ...more };
    if (deps.invalid === undefined) throw new HttpError(400, 'Invalid request', { body: { status: 'invalid', errors: fields, ...more }, problem });
    throw new HttpError(400, 'Invalid request', { body: deps.clientDebug ? { respcode: deps.invalid, errors: fields, ...more } : deps.invalid, problem });
  };

  const finish = (ctx: AppContext, results: Array<StandardSchemaV1.Result<unknown>>): void => {
    const valid: Record<string, unknown> = {};
    const fields: InvalidField[] = [];
    let total = 0;
    results.forEach((result, i) => {
      const location = parts[i][0];
      if (result.issues) {
        total += result.issues.length;
        for (const issue of result.issues) if (fields.length < MAX_REPORTED) fields.push(describe(location, issue));
      } else {
        valid[location] = result.value;
      }
    });
    if (fields.length > 0) fail(ctx, fields, total);
    (ctx as AppContext & { valid: Record<string, unknown> }).valid = valid;
  };

  return function validate(ctx) {
    const results: Array<StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>> = [];
    let pending = false;
    for (const [location, check] of parts) {
      const result = check(input(ctx, location));
      if (result instanceof Promise) pending = true;
      results.push(result);
    }
    if (pending) return Promise.all(results).then((settled) => finish(ctx, settled));
    finish(ctx, results as Array<StandardSchemaV1.Result<unknown>>);
    return undefined;
  };
}

/** What is wrong with a route's `validate` and `invalid` options, for the route table. */
export function validationProblems(validate: unknown, invalid: unknown): string[] {
  const problems: string[] = [];
  if (validate !== undefined) {
    if (typeof validate !== 'object' || validate === null) {
      problems.push('validate must be an object { body?, query?, params? } of schemas');
    } else {
      for (const key of Object.keys(validate)) {
        if (!(LOCATIONS as readonly string[]).includes(key)) problems.push(`validate.${key}: unknown part (body, query, params)`);
        else if (!isStandardSchema((validate as Record<string, unknown>)[key])) {
          problems.push(`validate.${key} is not a Standard Schema (a valibot, zod 3.24+ or other schema with '~standard')`);
        }
      }
    }
  }
  if (invalid !== undefined && !(Number.isInteger(invalid) && (invalid as number) >= 0)) {
    problems.push(`invalid must be a respcode (a whole number), got ${String(invalid)}`);
  }
  return problems;
}
