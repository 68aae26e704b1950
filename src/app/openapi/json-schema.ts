import type { StandardSchemaV1 } from '../validation/standard-schema';

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/**
 * Standard JSON Schema (standardschema.dev, the types only): the schema library's own converter
 * under `~standard.jsonSchema`. zod (4.2+) and ArkType schemas have it; a valibot schema gets it
 * from `toStandardJsonSchema(schema)` of `@valibot/to-json-schema`.
 */
interface StandardJsonSchemaProps {
  readonly jsonSchema?: {
    readonly input: (options: { readonly target: string }) => Record<string, unknown>;
  };
}

/**
 * The JSON Schema of the input a `validate` schema accepts, from the schema library's own
 * converter (never one of ours, so it says what the library checks); undefined when the schema
 * has no converter, with the reason.
 */
export function inputJsonSchema(schema: StandardSchemaV1): { schema: JsonSchema } | { problem: string } {
  const props = schema['~standard'] as StandardSchemaV1['~standard'] & StandardJsonSchemaProps;
  const convert = props.jsonSchema?.input;
  if (typeof convert !== 'function') {
    return {
      problem: `the ${props.vendor} schema has no JSON Schema converter (Standard JSON Schema, '~standard.jsonSchema')` +
        (props.vendor === 'valibot' ? ': wrap it with toStandardJsonSchema() from @valibot/to-json-schema' : ''),
    };
  }
  try {
    const { $schema: _dialect, ...converted } = convert({ target: 'draft-2020-12' });
    return { schema: converted };
  } catch (err) {
    return { problem: `the ${props.vendor} converter failed: ${(err as Error).message}` };
  }
}
