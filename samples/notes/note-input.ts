import { toStandardJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { MAX_BODY, MAX_TITLE } from './note-entity';

// What clients may send, as schemas the routes declare (`validate`): checked before the handler,
// typed and coerced on `ctx.valid`, bounded everywhere. Each route's schema is wrapped with
// valibot's own JSON Schema converter (toStandardJsonSchema), which the OpenAPI document uses.

const Title = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TITLE));
const Body = v.pipe(v.string(), v.maxLength(MAX_BODY));

export const MAX_IMPORT = 100;

const NoteFields = v.object({ title: Title, body: v.optional(Body, '') });

/** `POST /:username/notes`: `{ title, body? }`. */
export const NewNote = {
  body: toStandardJsonSchema(NoteFields),
};

/** `GET /:username/notes?limit=10&after=3`: the query string coerced to numbers. */
export const ListQuery = {
  query: toStandardJsonSchema(v.object({
    limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(100)), '50'),
    after: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), '0'),
  })),
};

const NoteId = toStandardJsonSchema(v.object({ id: v.pipe(v.string(), v.regex(/^\d{1,10}$/), v.toNumber(), v.integer(), v.minValue(1)) }));

/** `/:username/notes/:id`: the id a positive whole number. */
export const ById = { params: NoteId };

/** `PUT /:username/notes/:id/body`: any text, up to the column's size. */
export const NewBody = { params: NoteId, body: toStandardJsonSchema(Body) };

/** `POST /:username/notes/import`: `{ notes: [{ title, body? }, …] }`, 1 to 100 of them. */
export const Import = {
  body: toStandardJsonSchema(v.object({ notes: v.pipe(v.array(NoteFields), v.minLength(1), v.maxLength(MAX_IMPORT)) })),
};
