import * as v from 'valibot';
import { MAX_BODY, MAX_TITLE } from './note-entity';

// What clients may send, as schemas the routes declare (`validate`): checked before the handler,
// typed and coerced on `ctx.valid`, bounded everywhere.

const Title = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_TITLE));
const Body = v.pipe(v.string(), v.maxLength(MAX_BODY));

export const MAX_IMPORT = 100;

/** `POST /:username/notes`: `{ title, body? }`. */
export const NewNote = {
  body: v.object({ title: Title, body: v.optional(Body, '') }),
};

/** `GET /:username/notes?limit=10&after=3`: the query string coerced to numbers. */
export const ListQuery = {
  query: v.object({
    limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(100)), '50'),
    after: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0)), '0'),
  }),
};

const NoteId = v.object({ id: v.pipe(v.string(), v.regex(/^\d{1,10}$/), v.toNumber(), v.integer(), v.minValue(1)) });

/** `/:username/notes/:id`: the id a positive whole number. */
export const ById = { params: NoteId };

/** `PUT /:username/notes/:id/body`: any text, up to the column's size. */
export const NewBody = { params: NoteId, body: Body };

/** `POST /:username/notes/import`: `{ notes: [{ title, body? }, …] }`, 1 to 100 of them. */
export const Import = {
  body: v.object({ notes: v.pipe(v.array(NewNote.body), v.minLength(1), v.maxLength(MAX_IMPORT)) }),
};
