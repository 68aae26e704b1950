// In your project: from 'services-core'
import {
  ERROR_INVALID_WBO, SyncServerApp, authenticated, cef, jsonBadRequest, route, type AppContext,
} from '../../src';

/** A tiny service: a public greeting, a user's info, and notes behind HTTP Basic. */
export class HelloApp extends SyncServerApp {
  private readonly notes = new Map<string, string[]>();

  @route('GET', '/hello/:name')
  hello(ctx: AppContext) {
    return { hello: ctx.params.name };
  }

  @route('GET', '/:username/info')
  @authenticated
  info(ctx: AppContext) {
    const user = ctx.state.user!;
    return { id: user.id, name: user.name, notes: this.notes.get(user.name)?.length ?? 0 };
  }

  @route('POST', '/:username/notes', { body: 'json', limit: 4096 })
  @authenticated
  @cef(3, { name: 'Note written', signature: 'NoteWrite' })
  addNote(ctx: AppContext) {
    const body = ctx.request.body as { text?: unknown };
    if (typeof body?.text !== 'string' || body.text === '') throw jsonBadRequest(ERROR_INVALID_WBO);
    const notes = this.notes.get(ctx.state.user!.name) ?? [];
    notes.push(body.text);
    this.notes.set(ctx.state.user!.name, notes);
    return { saved: notes.length };
  }

  @route('GET', '/:username/notes')
  @authenticated
  listNotes(ctx: AppContext) {
    return this.notes.get(ctx.state.user!.name) ?? [];
  }

  protected override debugServer() {
    return [`users with notes: ${this.notes.size}`];
  }
}
