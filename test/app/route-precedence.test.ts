import request from 'supertest';
import { SyncServerApp, route, type AppContext } from '../../src/app';
import { createTestApp } from '../../src/testing/test-app';
import { RouteTree } from '../../src/app/routing/route-tree';
import { compilePath } from '../../src/app/routing/route-path';

// The catch-all is declared first, in the base class: the order it was declared in decides nothing.
class SlugApp extends SyncServerApp {
  @route('GET', '/:slug')
  slug(ctx: AppContext) {
    return `slug ${ctx.params.slug}`;
  }

  @route('GET', '/p/:name')
  byName(ctx: AppContext) {
    return `name ${ctx.params.name}`;
  }

  @route('GET', '/x/:a/end')
  xEnd(ctx: AppContext) {
    return `end ${ctx.params.a}`;
  }
}

class PrecedenceApp extends SlugApp {
  @route('GET', '/links')
  links() {
    return 'links';
  }

  @route('DELETE', '/links/:id')
  dropLink(ctx: AppContext) {
    return `dropped ${ctx.params.id}`;
  }

  // Constrained params come before the plain one, in the order declared.
  @route('GET', '/p/{id:\\d+}')
  byId(ctx: AppContext) {
    return `id ${ctx.params.id}`;
  }

  @route('GET', '/p/{hex:[0-9a-f]+}')
  byHex(ctx: AppContext) {
    return `hex ${ctx.params.hex}`;
  }

  @route('GET', '/x/static/other')
  xStatic() {
    return 'x static';
  }

  @route('GET', '/files/*rest')
  files(ctx: AppContext) {
    return `rest ${ctx.params.rest}`;
  }

  @route('GET', '/files/readme')
  readme() {
    return 'readme';
  }

  @route('GET', '/opt{/:id}')
  optional(ctx: AppContext) {
    return { id: ctx.params.id ?? null };
  }

  @route('HEAD', '/links')
  headLinks(ctx: AppContext) {
    ctx.set('X-Head', 'own');
    ctx.status = 200;
  }
}

describe('route precedence: static text beats a param, whatever the declaration order', () => {
  const { app } = createTestApp(PrecedenceApp);
  const agent = () => request(app.callback());

  test('a static route declared after a param route (and in a subclass) wins for its path', async () => {
    await agent().get('/links').expect(200, 'links');
    await agent().get('/linksx').expect(200, 'slug linksx');
    await agent().get('/other').expect(200, 'slug other');
  });

  test('static text matches whatever its case, as before; params keep theirs', async () => {
    await agent().get('/LINKS').expect(200, 'links');
    await agent().get('/Other').expect(200, 'slug Other');
  });

  test('trailing slashes are ignored before the match', async () => {
    await agent().get('/links/').expect(200, 'links');
    await agent().get('/p/42//').expect(200, 'id 42');
  });

  test('constrained params come before the plain one, in the order declared; a failing value goes on', async () => {
    await agent().get('/p/42').expect(200, 'id 42');
    await agent().get('/p/4f').expect(200, 'hex 4f');
    await agent().get('/p/zebra').expect(200, 'name zebra');
    await agent().get('/p/a%20b').expect(200, 'name a b');
  });

  test('a static branch that ends without a route gives way to the param (backtracking)', async () => {
    await agent().get('/x/static/end').expect(200, 'end static');
    await agent().get('/x/static/other').expect(200, 'x static');
    await agent().get('/x/static/none').expect(404);
  });

  test('a *rest takes the rest of the path, after static text and params', async () => {
    await agent().get('/files/readme').expect(200, 'readme');
    await agent().get('/files/a/b%20c').expect(200, 'rest a/b c');
    await agent().get('/files').expect(200, 'slug files');
  });

  test('an optional group serves both paths', async () => {
    await agent().get('/opt').expect(200, { id: null });
    await agent().get('/opt/7').expect(200, { id: '7' });
  });

  test('HEAD: a HEAD route of its own wins over GET, else GET serves it', async () => {
    const own = await agent().head('/links').expect(200);
    expect(own.headers['x-head']).toBe('own');
    const viaGet = await agent().head('/p/42').expect(200);
    expect(viaGet.headers['content-length']).toBe(String('id 42'.length));
    expect(viaGet.headers['x-head']).toBeUndefined();
  });

  test('405 with Allow names every method served at the path; the param route counts', async () => {
    const res = await agent().post('/links').expect(405);
    expect(res.headers.allow.split(', ').sort()).toEqual(['GET', 'HEAD']);
    const item = await agent().put('/links/9').expect(405);
    expect(item.headers.allow).toBe('DELETE');
    await agent().delete('/links/9').expect(200, 'dropped 9');
    // GET /:slug takes one segment: /links/9 is served by DELETE only.
    const get = await agent().get('/links/9').expect(405);
    expect(get.headers.allow).toBe('DELETE');
    await agent().get('/links/9/more').expect(404);
    const options = await agent().options('/links/9').expect(204);
    expect(options.headers.allow).toBe('DELETE');
  });
});

// Declarations, not class expressions: legacy decorators do not apply to class expressions.
class RenamedParam extends SlugApp {
  @route('GET', '/{name}')
  other() {}
}

class Cased extends SyncServerApp {
  @route('GET', '/Links')
  upper() {}

  @route('GET', '/links')
  lower() {}
}

class Grouped extends SyncServerApp {
  @route('GET', '/users/:id')
  one() {}

  @route('GET', '/users{/:userId}')
  list() {}
}

class Mixed extends SyncServerApp {
  @route('GET', '/file.:ext')
  file() {}
}

class TwoConstraints extends SyncServerApp {
  @route('GET', '/{id:\\d+}')
  digits() {}

  @route('GET', '/{id:[a-z]+}')
  letters() {}
}

describe('routes no request could tell apart fail at construction, naming both', () => {
  test.each([
    ['the same path with other param names, in a subclass', RenamedParam, /RenamedParam\.other: duplicate route GET \/\{name\} \(already served by SlugApp\.slug\)/],
    ['static text that differs in case only', Cased, /Cased\.lower: duplicate route GET \/links \(already served by Cased\.upper\)/],
    ['an optional group that covers another route', Grouped, /Grouped\.list: duplicate route GET \/users\{\/:userId\} \(already served by Grouped\.one\)/],
    ['a param inside a segment', Mixed, /Mixed\.file: 'file\.:ext' in path '\/file\.:ext': a parameter takes a whole segment/],
  ])('%s', (_what, App, message) => {
    expect(() => createTestApp(App as typeof Mixed)).toThrow(message);
  });

  test('the same path with another constraint is two routes, not a duplicate', async () => {
    const { app } = createTestApp(TwoConstraints);
    await request(app.callback()).get('/12').expect(204);
    await request(app.callback()).get('/ab').expect(204);
    await request(app.callback()).get('/a1').expect(404);
  });
});

describe('RouteTree', () => {
  const tree = new RouteTree<string>();
  const add = (method: string, path: string, value = path) => {
    for (const segments of compilePath(path).variants) tree.add(method, segments, value);
  };
  add('GET', '/:a/:b');
  add('GET', '/one/two');
  add('GET', '/');
  add('PUT', '/one/{b:\\d+}');

  test('finds the route and its decoded params', () => {
    expect(tree.find('GET', '/one/two')).toEqual({ value: '/one/two', params: {} });
    expect(tree.find('GET', '/one/t%C3%A9')).toEqual({ value: '/:a/:b', params: { a: 'one', b: 'té' } });
    expect(tree.find('GET', '/')).toEqual({ value: '/', params: {} });
    expect(tree.find('GET', '/one')).toBeUndefined();
    expect(tree.find('POST', '/one/two')).toBeUndefined();
  });

  test('bad percent-encoding in a param is kept as it is', () => {
    expect(tree.find('GET', '/a/%zz')?.params).toEqual({ a: 'a', b: '%zz' });
  });

  test('an empty segment matches no param', () => {
    expect(tree.find('GET', '/one//')).toBeUndefined();
    expect(tree.find('GET', '//two')).toBeUndefined();
  });

  test('methodsAt: the methods whose routes match, constraints counted, HEAD with GET', () => {
    expect(tree.methodsAt('/one/12')).toEqual(['HEAD', 'GET', 'PUT']);
    expect(tree.methodsAt('/one/ab')).toEqual(['HEAD', 'GET']);
    expect(tree.methodsAt('/a/b/c')).toEqual([]);
  });
});
