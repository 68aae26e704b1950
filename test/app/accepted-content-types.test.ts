import request from 'supertest';
import { SyncServerApp, route, type AppContext } from '../../src/app';
import { acceptsContentType } from '../../src/app/routing/accepted-content-types';
import { createTestApp } from '../../src/testing';
import { webobDetail } from '../support/webob-page';

class LegacyClientsApp extends SyncServerApp {
  @route('POST', '/strict', { body: 'json' })
  strict(ctx: AppContext) {
    return { got: ctx.request.body };
  }

  /** urllib2 posts JSON as application/x-www-form-urlencoded; some clients say text/plain. */
  @route('POST', '/legacy', { body: 'json', contentTypes: ['application/x-www-form-urlencoded', 'text/plain'] })
  legacy(ctx: AppContext) {
    return { got: ctx.request.body };
  }

  @route('POST', '/anything', { body: 'json', contentTypes: 'any' })
  anything(ctx: AppContext) {
    return { got: ctx.request.body };
  }

  @route('PUT', '/text', { body: 'text', limit: 16 })
  text(ctx: AppContext) {
    return { length: (ctx.request.body as string).length, text: ctx.request.body };
  }
}

/** Every body route of the app reads any Content-Type; none of its own overrides. */
class AnyTypeApp extends LegacyClientsApp {
  static override contentTypes = 'any' as const;
}

describe('content types real clients send', () => {
  const form = 'application/x-www-form-urlencoded';

  test('JSON routes take JSON types only by default: 415 for form or text/plain, the body unread', async () => {
    const { app } = createTestApp(LegacyClientsApp);
    const http = request(app.callback());
    expect(webobDetail((await http.post('/strict').set('Content-Type', form).send('{"a":1}').expect(415)).text)).toBe('Content-Type must be application/json');
    await http.post('/strict').set('Content-Type', 'text/plain').send('{"a":1}').expect(415);
    await http.post('/strict').set('Content-Type', 'application/json').send('{"a":1}').expect(200, { got: { a: 1 } });
    await app.close();
  });

  test('a route lists the types its legacy clients send: urllib2 form-encoded JSON and text/plain are parsed as JSON', async () => {
    const { app } = createTestApp(LegacyClientsApp);
    const http = request(app.callback());
    await http.post('/legacy').set('Content-Type', form).send('{"a":1}').expect(200, { got: { a: 1 } });
    await http.post('/legacy').set('Content-Type', 'text/plain; charset=utf-8').send('[1,2]').expect(200, { got: [1, 2] });
    await http.post('/legacy').set('Content-Type', 'application/json').send('{"b":2}').expect(200, { got: { b: 2 } });
    // Still JSON: a body that is not is the usual respcode 6; other types and charsets are refused.
    await http.post('/legacy').set('Content-Type', form).send('a=1&b=2').expect(400, '6');
    await http.post('/legacy').set('Content-Type', 'text/html').send('{}').expect(415);
    await http.post('/legacy').set('Content-Type', 'text/plain; charset=latin1').send('{}').expect(415);
    await http.post('/anything').set('Content-Type', 'application/octet-stream').send('{"c":3}').expect(200, { got: { c: 3 } });
    await app.close();
  });

  test('static contentTypes widens every body route of an app; a route\'s own list wins', async () => {
    const { app } = createTestApp(AnyTypeApp);
    const http = request(app.callback());
    await http.post('/strict').set('Content-Type', form).send('{"a":1}').expect(200, { got: { a: 1 } });
    await http.post('/legacy').set('Content-Type', 'text/html').send('{}').expect(415);
    await app.close();

    class FormApp extends LegacyClientsApp {
      static override contentTypes = ['application/x-www-form-urlencoded'];
    }
    const form2 = createTestApp(FormApp).app;
    await request(form2.callback()).post('/strict').set('Content-Type', form).send('{"a":1}').expect(200, { got: { a: 1 } });
    await request(form2.callback()).post('/strict').set('Content-Type', 'text/plain').send('{"a":1}').expect(415);
    // The app's list is about JSON routes: a text route still reads any type.
    await request(form2.callback()).put('/text').set('Content-Type', 'text/plain').send('hi').expect(200, { length: 2, text: 'hi' });
    await form2.close();
  });

  test('body: \'text\' gives the body as a string, bounded, UTF-8', async () => {
    const { app } = createTestApp(LegacyClientsApp);
    const http = request(app.callback());
    await http.put('/text').set('Content-Type', 'text/plain').send('héllo').expect(200, { length: 5, text: 'héllo' });
    await http.put('/text').set('Content-Type', 'application/json').send('{"a":1}').expect(200, { length: 7, text: '{"a":1}' });
    await http.put('/text').set('Content-Type', 'text/plain').send('x'.repeat(17)).expect(413);
    expect(webobDetail((await http.put('/text').set('Content-Type', 'application/octet-stream').send(Buffer.from([0xff, 0xfe])).expect(400)).text)).toBe('The request body is not UTF-8');
    await app.close();
  });

  test('a bad contentTypes setting fails at construction, naming the route or the class', () => {
    class BadRoute extends SyncServerApp {
      @route('POST', '/x', { body: 'json', contentTypes: ['json'] })
      x() {
        return 'x';
      }
    }
    expect(() => createTestApp(BadRoute)).toThrow(/BadRoute\.x: contentTypes: not a media type \(type\/subtype or type\/\*\): "json"/);
    class NoBody extends SyncServerApp {
      @route('POST', '/x', { contentTypes: 'any' })
      x() {
        return 'x';
      }
    }
    expect(() => createTestApp(NoBody)).toThrow(/NoBody\.x: contentTypes without a body option/);
    class BadStatic extends LegacyClientsApp {
      static override contentTypes = 'all' as 'any';
    }
    expect(() => createTestApp(BadStatic)).toThrow(/BadStatic\.contentTypes must be 'any' or a list of media types, got "all"/);
  });

  test('the matcher: families, case, parameters', () => {
    const accepts = acceptsContentType(['text/*', 'Application/X-WWW-Form-Urlencoded']);
    expect(accepts('TEXT/Plain; charset="UTF-8"')).toBe(true);
    expect(accepts('application/x-www-form-urlencoded; charset=utf8')).toBe(true);
    expect(accepts('application/merge-patch+json')).toBe(true);
    expect(accepts('textual/plain')).toBe(false);
    expect(accepts(undefined)).toBe(false);
    expect(accepts('text/plain; charset=iso-8859-1')).toBe(false);
    expect(acceptsContentType(undefined)('text/plain')).toBe(false);
    expect(acceptsContentType('any')(undefined)).toBe(true);
  });
});
