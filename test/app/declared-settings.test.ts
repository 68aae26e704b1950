import request from 'supertest';
import { Config, ConfigError, SyncServerApp, defineSettings } from '../../src';
import { createTestApp } from '../../src/testing/test-app';
import { StorageSettingsApp } from '../cli/fixtures/storage-settings-app';

const parse = (text: string) => Config.parse(text, { filename: 'app.conf' }).getMap();

describe("an app's declared settings are read by type", () => {
  test('defaults from the schema, values by their declared type, served as the handler read them', async () => {
    const { app } = createTestApp(StorageSettingsApp, '[storage]\nslug_length = 12\nmode = fast\nratio = 0.5\npublic = yes\norigins = https://a.example https://b.example\nroot = https://x.example/\n');
    await request(app.callback()).get('/values').expect(200, {
      'storage.quota': 0, 'storage.slug_length': 12, 'storage.mode': 'fast', 'storage.ratio': 0.5, 'storage.public': true,
      'storage.origins': ['https://a.example', 'https://b.example'], 'storage.root': 'https://x.example/', 'storage.ttl': 60,
    });
    await app.close();
    const { app: bare } = createTestApp(StorageSettingsApp);
    expect(bare.settingsOf(StorageSettingsApp)).toEqual({
      'storage.quota': 0, 'storage.slug_length': 7, 'storage.mode': 'safe', 'storage.ratio': undefined, 'storage.public': false,
      'storage.origins': undefined, 'storage.root': undefined, 'storage.ttl': 60,
    });
  });

  test.each([
    ['slug_length = seven', 'app.conf:3: storage.slug_length: expected an integer from 1 to 64, got "seven"'],
    ['slug_length = 0', 'app.conf:3: storage.slug_length: expected an integer from 1 to 64, got 0'],
    ['quota = 1.5', 'app.conf:3: storage.quota: expected an integer, got "1.5"'],
    ['mode = slow', 'app.conf:3: storage.mode: unknown value "slow" (expected one of fast, safe)'],
    ['public = maybe', 'app.conf:3: storage.public: expected true or false, got "maybe" (or yes/no, on/off, 1/0)'],
    ['ratio = half', 'app.conf:3: storage.ratio: expected a number, got "half"'],
  ])('%s: the constructor throws a ConfigError naming file, line and key', (line, message) => {
    expect(() => new StorageSettingsApp(parse(`[global]\n[storage]\n${line}\n`))).toThrow(new ConfigError(message.replace(/^app\.conf:3: /, ''), { file: 'app.conf', line: 3 }));
  });

  test('a [host:…] section overriding a declared key is checked too', () => {
    expect(() => new StorageSettingsApp(parse('[storage]\nquota = 5\n[host:a.example]\nstorage.quota = lots\n')))
      .toThrow('app.conf:4: host:a.example.storage.quota: expected an integer, got "lots"');
  });

  test("a default its own type refuses is the schema's bug, named at construction", () => {
    class Broken extends SyncServerApp {
      static override settingsSchema = defineSettings({ 'links.length': ['integer', '`seven`', 'slug length'] });
    }
    expect(() => new Broken({})).toThrow(/^Broken\.settingsSchema\['links\.length'\]: its default `seven` does not read as integer: links\.length: expected an integer, got "seven"$/);
  });

  test("settingsOf refuses a class the app is not an instance of", () => {
    class Other extends SyncServerApp {}
    const { app } = createTestApp(StorageSettingsApp);
    expect(() => app.settingsOf(Other)).toThrow("StorageSettingsApp.settingsOf(Other): pass the app's class or a base class of it");
    expect(app.settingsOf(SyncServerApp)).toBe(app.settingsOf(StorageSettingsApp));
  });
});
