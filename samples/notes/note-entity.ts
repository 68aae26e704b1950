import { EntitySchema } from 'typeorm';

/** One note of one user; a user's titles are unique. */
export interface Note {
  id: number;
  /**
   * The owner's user id as the auth backend returns it (`ctx.state.user.id`), as text; never the
   * name: a deleted account's name can be given to a new one, which must not see the old notes.
   */
  owner: string;
  title: string;
  body: string;
}

export const MAX_TITLE = 200;
export const MAX_BODY = 10_000;

// An EntitySchema, not a decorated class: it works whether the app compiles with
// experimentalDecorators or with TC39 standard decorators (TypeORM's decorators need the former).
export const NoteEntity = new EntitySchema<Note>({
  name: 'Note',
  tableName: 'notes',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    // A user id as text (an SQL id; an LDAP backend's may be a DN).
    owner: { type: 'varchar', length: 255 },
    title: { type: 'varchar', length: MAX_TITLE },
    body: { type: 'text', default: '' },
  },
  // A second note with the same title is a unique violation: the app answers 409.
  uniques: [{ name: 'notes_owner_title', columns: ['owner', 'title'] }],
  indices: [{ name: 'notes_owner', columns: ['owner'] }],
});
