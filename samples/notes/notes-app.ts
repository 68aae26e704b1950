import cors from '@koa/cors';
import { Counter } from 'prom-client';
import { MoreThan } from 'typeorm';
// In your project: from 'services-core'
import {
  HttpError, NotFoundError, SyncServerApp, authenticated, cef, defineSettings, jsonResponse, route,
  isUniqueViolation, type AppContext, type AppDataDeclaration, type AppOptions, type AuthBackend, type Config,
  type FlatConfig, type ValidContext,
} from '../../src';
import { NoteEntity, type Note } from './note-entity';
import { ById, Import, ListQuery, NewBody, NewNote } from './note-input';

/** What the timing hooks keep on `ctx.state`. */
type Timed = { startedAt: number };

/** A note as the API shows it. */
type NoteView = Pick<Note, 'id' | 'title' | 'body'>;

const view = ({ id, title, body }: Note): NoteView => ({ id, title, body });

/** Whose notes a request reads and writes: the id the backend gave the login, never the name (see `Note.owner`). */
const ownerOf = (ctx: AppContext): string => String(ctx.state.user!.id);

/**
 * A small multi-user notes service: each user reads and writes their own notes, behind HTTP
 * Basic against the SQL user store. The notes live in the app's own table (`static data`), so
 * every `serve` worker sees the same ones. A JSON API: every error is problem details.
 */
export class NotesApp extends SyncServerApp {
  // Errors as application/problem+json (RFC 9457), no Sync headers, the realm "NotesApp".
  static override readonly answerProfile = 'json';
  // The `info` of its OpenAPI document (`services-core openapi samples/notes/development.ini`).
  static override readonly openApi = { version: '1.0.0', description: 'Each user keeps private notes, behind HTTP Basic.' };
  // `[storage] sqluri` names the database; the same URI as `auth.sqluri` shares its connection.
  static override readonly data: AppDataDeclaration = { entities: [NoteEntity], section: 'storage' };
  // The `[notes]` keys, checked by type by the constructor, `config` and `serve`; read typed with settingsOf.
  static override settingsSchema = defineSettings({
    'notes.cors_origins': ['list', 'none', 'browser origins allowed to call the API (CORS), space-separated'],
    'notes.demo_user': ['string', 'none', 'a user seeded at start with a welcome note (development only)'],
    'notes.demo_password': ['string', 'none', 'its password'],
  });

  readonly #errors?: Counter<'status' | 'error'>;

  constructor(config: Config | FlatConfig, options?: AppOptions) {
    super(config, options);
    // Browsers on these origins may call the API (`notes.cors_origins`, space-separated).
    // The middleware runs before routing, so it answers the preflight `OPTIONS` itself; another
    // origin gets no grant ('') and the framework's plain OPTIONS answer.
    const origins = new Set(this.settingsOf(NotesApp)['notes.cors_origins']);
    this.use(cors({
      origin: (ctx) => (origins.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['Location', 'X-Request-Id', 'Server-Timing'],
      maxAge: 600,
    }));
    // Errors by status and class (QueryFailedError: a write the database refused), summed over the workers.
    if (this.metrics) {
      this.#errors = new Counter({
        name: 'notes_errors_total', help: 'Requests answered with an error, by status and error class',
        labelNames: ['status', 'error'] as const, registers: [this.metrics.registry],
      });
    }
  }

  private get users(): AuthBackend {
    if (!this.auth) throw new TypeError('NotesApp needs an auth backend (auth.backend)');
    return this.auth;
  }

  private get notes() {
    return this.data.repository(NoteEntity);
  }

  private async find(ctx: ValidContext<typeof ById>): Promise<Note> {
    const note = await this.notes.findOneBy({ id: ctx.valid.params.id, owner: ownerOf(ctx) });
    if (!note) throw new NotFoundError('No such note');
    return note;
  }

  /** `?limit=` (1 to 100, default 50) notes with an id above `?after=` (default 0), oldest first. */
  @route('GET', '/:username/notes', { validate: ListQuery })
  @authenticated
  async listNotes(ctx: ValidContext<typeof ListQuery>) {
    const { limit, after } = ctx.valid.query;
    const notes = await this.notes.find({ where: { owner: ownerOf(ctx), id: MoreThan(after) }, order: { id: 'ASC' }, take: limit });
    return notes.map(view);
  }

  /**
   * `{ "title": …, "body": … }`: 201 with the note; a title the user already has is a 409.
   * Bad input is a 400 whose problem details name the failing fields.
   */
  @route('POST', '/:username/notes', { body: 'json', limit: 16_384, validate: NewNote })
  @authenticated
  @cef(3, { name: 'Note written', signature: 'NoteWrite' })
  async addNote(ctx: ValidContext<typeof NewNote>) {
    const owner = ownerOf(ctx);
    const { title, body } = ctx.valid.body;
    let note: Note;
    try {
      note = await this.notes.save({ owner, title, body });
    } catch (err) {
      // Caught here to say which title; left alone, the framework answers a bare 409 (as for the import).
      if (isUniqueViolation(err)) throw new HttpError(409, 'You already have a note with this title', { problem: { noteTitle: title } });
      throw err;
    }
    return jsonResponse(view(note), { status: 201, headers: { Location: `/${ctx.state.user!.name}/notes/${note.id}` } });
  }

  /**
   * What the old desktop client calls: `{ "notes": [{ "title": …, "body": … }, …] }`, all of them
   * or none, in one transaction. It sends its JSON as a form or as text. A title that exists (or
   * twice in the list) rolls the whole import back, and the framework answers 409.
   */
  @route('POST', '/:username/notes/import', {
    body: 'json', limit: 1_048_576, validate: Import,
    contentTypes: ['application/x-www-form-urlencoded', 'text/plain'],
  })
  @authenticated
  @cef(3, { name: 'Notes imported', signature: 'NoteImport' })
  async importNotes(ctx: ValidContext<typeof Import>) {
    const owner = ownerOf(ctx);
    const ids = await this.data.transaction(async (manager) => {
      const repository = manager.getRepository(NoteEntity);
      const saved: number[] = [];
      for (const note of ctx.valid.body.notes) saved.push((await repository.save({ owner, ...note })).id);
      return saved;
    });
    return { imported: ids.length, ids };
  }

  @route('GET', '/:username/notes/:id', { validate: ById })
  @authenticated
  async getNote(ctx: ValidContext<typeof ById>) {
    return view(await this.find(ctx));
  }

  /** The note's body, replaced by the request's text (`text/plain`, any type: `body: 'text'`). */
  @route('PUT', '/:username/notes/:id/body', { body: 'text', limit: 16_384, validate: NewBody })
  @authenticated
  @cef(3, { name: 'Note written', signature: 'NoteWrite' })
  async setBody(ctx: ValidContext<typeof NewBody>) {
    const note = await this.find(ctx);
    note.body = ctx.valid.body;
    return view(await this.notes.save(note));
  }

  @route('DELETE', '/:username/notes/:id', { validate: ById })
  @authenticated
  @cef(3, { name: 'Note deleted', signature: 'NoteDelete' })
  async deleteNote(ctx: ValidContext<typeof ById>) {
    await this.notes.delete({ id: (await this.find(ctx)).id });
    ctx.status = 204;
  }

  /** The heartbeat: the users table and the notes table both answer. */
  protected override async checkServer(): Promise<void> {
    await this.users.checkHealth();
    await this.notes.count({ where: { owner: '' } });
  }

  /**
   * Runs at start in every process (each `serve` worker, `listen()`, tests), once the user store
   * and the notes table are open: seeds `notes.demo_user` with a welcome note (development).
   * Workers start together, so both steps tolerate another process doing them first.
   */
  protected override async onStart(): Promise<void> {
    const { 'notes.demo_user': name, 'notes.demo_password': password } = this.settingsOf(NotesApp);
    if (name === undefined || password === undefined) return;
    if ((await this.users.getUserId(name)) === null) {
      // false when another worker created it in the meantime.
      await this.users.createUser(name, password, `${name}@example.com`);
    }
    const id = await this.users.getUserId(name);
    if (id === null) return;
    try {
      await this.notes.insert({ owner: String(id), title: 'Welcome', body: 'Your first note. Delete it when you like.' });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    // The password is the config's (notes.demo_password); a log never holds one.
    this.logger.info({ demoUser: name }, `demo user: ${name}, password: notes.demo_password`);
  }

  protected override onRequest(ctx: AppContext<Timed>): void {
    ctx.state.startedAt = performance.now();
  }

  /**
   * Every response, errors and preflights included: how long the app took (`Server-Timing`,
   * shown by browsers' dev tools), and notes are private: no cache may keep them.
   */
  protected override onResponse(ctx: AppContext<Timed>): void {
    const took = performance.now() - ctx.state.startedAt;
    ctx.set('Server-Timing', `app;dur=${took.toFixed(1)}`);
    if (ctx.state.user) ctx.set('Cache-Control', 'private, no-store');
  }

  protected override onError(err: unknown, ctx: AppContext): void {
    this.#errors?.inc({ status: String(ctx.status), error: err instanceof Error ? err.name : typeof err });
  }
}
