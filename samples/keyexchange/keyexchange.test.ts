import { join } from 'node:path';
import request from 'supertest';
import { Config } from '../../src';
import { createTestApp } from '../../src/testing';
import { ChannelStore } from './channel-store';
import { KeyExchangeApp } from './keyexchange-app';

const sampleConfig = () => Config.load(join(__dirname, 'keyexchange.conf')).getMap();

describe('samples/keyexchange: channels over HTTP', () => {
  const setup = (overrides: Record<string, string | number | boolean> = {}) => {
    const { app } = createTestApp(KeyExchangeApp, { ...sampleConfig(), ...overrides });
    return { app, http: request(app.callback()) };
  };

  test('create a channel, put and get its data with ETags', async () => {
    const { http } = setup();
    const cid = (await http.get('/new_channel').expect(200)).body as string;
    expect(cid).toMatch(/^[a-z0-9]{4}$/);
    const put = await http.put(`/${cid}`).send({ message: 'pake step 1' }).expect(200);
    const etag = put.headers.etag as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await http.get(`/${cid}`).expect(200);
    expect(got.headers.etag).toBe(etag);
    expect(got.body).toEqual({ message: 'pake step 1' });
    await http.get(`/${cid}`).set('If-None-Match', etag).expect(304);
    await http.get(`/${cid}`).set('If-None-Match', '"other", W/' + etag).expect(304);
    await http.get(`/${cid}`).set('If-None-Match', '"stale"').expect(200);
  });

  test('If-Match on PUT: the current ETag or * writes, a stale one is 412 and changes nothing', async () => {
    const { http } = setup();
    const cid = (await http.get('/new_channel')).body as string;
    const first = (await http.put(`/${cid}`).send({ step: 1 })).headers.etag as string;
    const second = (await http.put(`/${cid}`).set('If-Match', first).send({ step: 2 }).expect(200)).headers.etag as string;
    await http.put(`/${cid}`).set('If-Match', first).send({ step: 3 }).expect(412);
    expect((await http.get(`/${cid}`)).body).toEqual({ step: 2 });
    await http.put(`/${cid}`).set('If-Match', '*').send({ step: 4 }).expect(200);
    expect(second).not.toBe(first);
  });

  test('a channel closes after max_gets reads, 304s included', async () => {
    const { http } = setup({ 'keyexchange.max_gets': 3 });
    const cid = (await http.get('/new_channel')).body as string;
    const etag = (await http.put(`/${cid}`).send('"x"').set('Content-Type', 'application/json')).headers.etag as string;
    await http.get(`/${cid}`).expect(200);
    await http.get(`/${cid}`).set('If-None-Match', etag).expect(304);
    await http.get(`/${cid}`).expect(200, '"x"');
    await http.get(`/${cid}`).expect(404);
    await http.put(`/${cid}`).send({}).expect(404);
  });

  test('unknown channels are 404, bad JSON is respcode 6, DELETE closes, / redirects to root_redirect', async () => {
    const { http } = setup();
    await http.get('/zzzz').expect(404);
    await http.get('/UPPER').expect(404);
    const cid = (await http.get('/new_channel')).body as string;
    await http.put(`/${cid}`).set('Content-Type', 'application/json').send('{oops').expect(400, '6');
    await http.delete(`/${cid}`).expect(200);
    await http.get(`/${cid}`).expect(404);
    await http.delete(`/${cid}`).expect(404);
    await http.get('/').expect(302).expect('Location', 'https://services.mozilla.com');
    await setup({ 'keyexchange.root_redirect': '' }).http.get('/').expect(404);
  });

  test('config: cid_len sets the id length; bad values and use_memory = false fail at start, naming the key', async () => {
    const cid = (await setup({ 'keyexchange.cid_len': 12 }).http.get('/new_channel')).body as string;
    expect(cid).toMatch(/^[a-z0-9]{12}$/);
    expect(() => setup({ 'keyexchange.ttl': 'soon' })).toThrow(/keyexchange\.ttl: expected an integer from 1 to 86400, got "soon"/);
    expect(() => setup({ 'keyexchange.cid_len': 0 })).toThrow(/keyexchange\.cid_len/);
    expect(() => setup({ 'keyexchange.use_memory': false })).toThrow(/use_memory = false: this sample only has the in-memory store/);
  });
});

describe('ChannelStore', () => {
  test('a channel expires ttl seconds after its last write', () => {
    let now = 0;
    const store = new ChannelStore({ ttl: 10, maxGets: 100, cidLen: 4, clock: () => now });
    const cid = store.create();
    now = 9_000;
    store.put(cid, '"data"');
    now = 18_999;
    expect(store.read(cid)?.data).toBe('"data"');
    now = 19_000;
    expect(store.read(cid)).toBeUndefined();
    expect(() => store.put(cid, '1')).toThrow(/ChannelStore.put: no channel/);
  });

  test('expired channels nobody reads are swept; ids stay unique while the space lasts', () => {
    let now = 0;
    const store = new ChannelStore({ ttl: 1, maxGets: 1, cidLen: 1, clock: () => now });
    const ids = new Set(Array.from({ length: 36 }, () => store.create()));
    expect(ids.size).toBe(36);
    expect(() => store.create()).toThrow(/no free channel id of length 1/);
    now = 1000;
    store.sweep();
    expect(store.size).toBe(0);
  });
});
