import cors from '@koa/cors';
import { Counter } from 'prom-client';
// In your project: from 'services-core'
import {
  BadRequestError, HttpError, NotFoundError, SyncServerApp, authenticated, cef, jsonResponse, route,
  type AppContext, type AppOptions, type AuthBackend, type Config, type FlatConfig,
} from '../../src';
import { isUniqueViolation, type AppDataDeclaration } from '../../src/data';
import { MAX_BODY, MAX_TITLE, NoteEntity, type Note } from './note-entity';

/** A note as the API shows it. */
type NoteView = Pick<Note, 'id' | 'title' | 'body'>;

const view = ({ id, title, body }: Note): NoteView => ({ id, title, body });

// Bounds on what a client may send: one note, one import.
const MAX_IMPORT = 100;
const ID = /^[1-9]\d{0,9}$/;

/** `{ title, body? }` checked by hand; a 400 names the field. */
function noteInput(value: unknown, where = 'body'): { title: string; body: string } {
  const input = typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : {};
  const { title, body = '' } = input;
  if (typeof title !== 'string' || title.length === 0 || title.length > MAX_TITLE) {
    throw new BadRequestError('Bad Request', { body: { status: 'invalid', errors: [{ location: where, name: 'title', description: `a string of 1 to ${MAX_TITLE} characters` }] } });
  }
  if (typeof body !== 'string' || body.length > MAX_BODY) {
    throw new BadRequestError('Bad Request', { body: { status: 'invalid', errors: [{ location: where, name: 'body', description: `a string of at most ${MAX_BODY} characters` }] } });
  }
  return { title, body };
}

function noteId(ctx: AppContext): number {
  if (!ID.test(ctx.params.id)) throw new NotFoundError('No such note');
  return Number(ctx.params.id);
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];
}

/**
 * A small multi-user notes service: each user reads and writes their own notes, behind HTTP
 * Basic against the SQL user store. The notes live in the app's own table (`static data`), so
 * every `serve` worker sees the same ones.
 */
export class NotesApp extends SyncServerApp {
  // `[storage] sqluri` names the database; the same URI as `auth.sqluri` shares its connection.
  static override readonly data: AppDataDeclaration = { entities: [NoteEntity], section: 'storage' };

  readonly #errors?: Counter<'status' | 'error'>;

  constructor(config: Config | FlatConfig, options?: AppOptions) {
    super(config, options);
    // Browsers on these origins may call the API (`notes.cors_origins`, space-separated).
    // The middleware runs before routing, so it answers the preflight `OPTIONS` itself.
    const origins = new Set(list(this.config['notes.cors_origins']));
    this.use(cors({
      origin: (ctx) => (origins.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
      allowMethods: ['GET', 'POST', 'DELETE'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['Location', 'X-Request-Id', 'Server-Timing'],
      maxAge: 600,
    }));
    // Errors by status and kind (a SqlRequestError is a refused write), summed over the workers.
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

  private async find(ctx: AppContext): Promise<Note> {
    const note = await this.notes.findOneBy({ id: noteId(ctx), owner: ctx.state.user!.name });
    if (!note) throw new NotFoundError('No such note');
    return note;
  }

  @route('GET', '/:username/notes')
  @authenticated
  async listNotes(ctx: AppContext) {
    const notes = await this.notes.find({ where: { owner: ctx.state.user!.name }, order: { id: 'ASC' } });
    return notes.map(view);
  }

  /** `{ "title": …, "body": … }`: 201 with the note; a title the user already has is a 409. */
  @route('POST', '/:username/notes', { body: 'json', limit: 16_384 })
  @authenticated
  @cef(3, { name: 'Note written', signature: 'NoteWrite' })
  async addNote(ctx: AppContext) {
    const owner = ctx.state.user!.name;
    const input = noteInput(ctx.request.body);
    let note: Note;
    try {
      note = await this.notes.save({ owner, ...input });
    } catch (err) {
      // Caught here to say which title; left alone, the framework would answer a bare 409.
      if (isUniqueViolation(err)) throw new HttpError(409, 'Conflict', { body: { status: 'exists', title: input.title } });
      throw err;
    }
    return jsonResponse(view(note), { status: 201, headers: { Location: `/${owner}/notes/${note.id}` } });
  }

  /**
   * `{ "notes": [{ "title": …, "body": … }, …] }`: all of them or none, in one transaction. A
   * title that exists (or twice in the list) rolls the whole import back: 409.
   */
  @route('POST', '/:username/notes/import', { body: 'json', limit: 1_048_576 })
  @authenticated
  @cef(3, { name: 'Notes imported', signature: 'NoteImport' })
  async importNotes(ctx: AppContext) {
    const owner = ctx.state.user!.name;
    const { notes } = (ctx.request.body ?? {}) as { notes?: unknown };
    if (!Array.isArray(notes) || notes.length === 0 || notes.length > MAX_IMPORT) {
      throw new BadRequestError('Bad Request', { body: { status: 'invalid', errors: [{ location: 'body', name: 'notes', description: `a list of 1 to ${MAX_IMPORT} notes` }] } });
    }
    const inputs = notes.map((note, i) => noteInput(note, `body.notes.${i}`));
    try {
      const ids = await this.data.transaction(async (manager) => {
        const repository = manager.getRepository(NoteEntity);
        const saved: number[] = [];
        for (const input of inputs) saved.push((await repository.save({ owner, ...input })).id);
        return saved;
      });
      return { imported: ids.length, ids };
    } catch (err) {
      // Left alone, the framework would answer a bare 409, but without the CORS headers (an
      // HttpError keeps the headers the middleware added, so a browser can read the answer).
      if (isUniqueViolation(err)) throw new HttpError(409, 'Conflict', { body: { status: 'exists' } });
      throw err;
    }
  }

  @route('GET', '/:username/notes/:id')
  @authenticated
  async getNote(ctx: AppContext) {
    return view(await this.find(ctx));
  }

  @route('DELETE', '/:username/notes/:id')
  @authenticated
  @cef(3, { name: 'Note deleted', signature: 'NoteDelete' })
  async deleteNote(ctx: AppContext) {
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
    const name = this.config['notes.demo_user'];
    const password = this.config['notes.demo_password'];
    if (typeof name !== 'string' || typeof password !== 'string') return;
    if ((await this.users.getUserId(name)) === null) {
      // false when another worker created it in the meantime.
      await this.users.createUser(name, password, `${name}@example.com`);
    }
    try {
      await this.notes.insert({ owner: name, title: 'Welcome', body: 'Your first note. Delete it when you like.' });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    this.logger.info({ demoUser: name }, `demo user: ${name}, password: ${password}`);
  }

  protected override onRequest(ctx: AppContext): void {
    ctx.state.startedAt = performance.now();
  }

  /**
   * Every response, errors and preflights included: how long the app took (`Server-Timing`,
   * shown by browsers' dev tools), and notes are private: no cache may keep them.
   */
  protected override onResponse(ctx: AppContext): void {
    const took = performance.now() - (ctx.state.startedAt as number);
    ctx.set('Server-Timing', `app;dur=${took.toFixed(1)}`);
    if (ctx.state.user) ctx.set('Cache-Control', 'private, no-store');
  }

  protected override onError(err: unknown, ctx: AppContext): void {
    this.#errors?.inc({ status: String(ctx.status), error: err instanceof Error ? err.name : typeof err });
  }
}
