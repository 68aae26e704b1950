import { readSettings } from '../../src/app/framework-settings';
import { ConfigError } from '../../src/config/errors';
import { appSettingsSchema, dataSettingsSchema } from '../../src/data/data-schema';
import { NotesApp } from './fixtures/notes-app';

// An app that declares data declares its section's keys with it: `config` and `serve` check them.
describe('the data section of an app is part of its settings schema', () => {
  test('its connection keys are declared, so they pass without a warning', () => {
    const settings = readSettings({ 'storage.sqluri': 'sqlite:///notes.db', 'storage.pool_size': 3 }, { appSettings: appSettingsSchema(NotesApp) });
    expect(settings.keys.warnings).toEqual([]);
  });

  test('a typo in it is an error naming the nearest key', () => {
    const read = () => readSettings({ 'storage.sqlur': 'sqlite:///notes.db' }, { appSettings: appSettingsSchema(NotesApp) });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/`sqlur`: unknown key in \[storage\]; did you mean `sqluri`\?/);
  });

  test('the app\'s own settingsSchema keys in the same section are kept', () => {
    class QuotaApp extends NotesApp {
      static override settingsSchema = { 'storage.quota_size': ['KB', '`5120`', 'quota'] } as const;
    }
    const schema = appSettingsSchema(QuotaApp)!;
    expect(Object.keys(schema)).toEqual(expect.arrayContaining(['storage.quota_size', 'storage.sqluri', 'storage.create_tables']));
    expect(appSettingsSchema(class { static settingsSchema = undefined })).toBeUndefined();
    expect(Object.keys(dataSettingsSchema('data'))).toContain('data.sqluri');
  });
});
