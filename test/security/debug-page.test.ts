import request from 'supertest';
import { SyncServerApp } from '../../src/app';
import { DEBUG_PAGE_HEADERS } from '../../src/app/pages/debug-page';
import { createTestApp } from '../../src/testing/test-app';

// The opt-in debug page masks keys by list and by last word, and shows only allow-listed
// request headers (docs/deploy.md, Security notes; docs/config.md, maskSecrets).

class Bare extends SyncServerApp {}

function page(config: Record<string, string | number | string[]>, headers: Record<string, string> = {}) {
  const t = createTestApp(Bare, { 'global.debug_page': '__debug__', ...config }, { auth: undefined });
  let req = request(t.app.callback()).get('/__debug__');
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  return req.expect(200).then((res) => res.text);
}

describe('debug page: nothing secret shows', () => {
  test('keys whose last word is password, secret, token or key are masked; max_password_length and password_scheme show', async () => {
    const text = await page({
      'accounts.demo_password': 'xxxx-demo', 'sync.secret': 'xxxx-sync', 'github.api_token': 'xxxx-token', 'app.signing-key': 'xxxx-key',
      'auth.max_password_length': 256, 'auth.password_scheme': 'argon2id', 'captcha.public_key': 'public-6Lc', 'app.keyword': 'kw',
      'global.secret_keys': ['vault.*'], 'vault.anything': 'xxxx-vault',
    });
    for (const key of ['accounts.demo_password', 'sync.secret', 'github.api_token', 'app.signing-key', 'vault.anything']) {
      expect(text).toContain(`'${key}': '********'`);
    }
    expect(text).toContain("'auth.max_password_length': 256");
    expect(text).toContain("'auth.password_scheme': 'argon2id'");
    expect(text).toContain("'captcha.public_key': 'public-6Lc'");
    expect(text).toContain("'app.keyword': 'kw'");
    expect(text).not.toContain('xxxx');
  });

  test('request headers: only the allow-list shows its values; X-Api-Key and any other header are masked', async () => {
    const text = await page({}, {
      'X-Api-Key': 'xxxx-api', 'X-Auth-Token': 'xxxx-token', Authorization: 'Basic eHh4eDp4eHh4', Cookie: 'session=xxxx',
      'User-Agent': 'probe/1.0', 'Accept-Language': 'fr', 'X-Request-Id': 'req-12345678',
    });
    expect(text).toContain("'HTTP_X_API_KEY': '********'");
    expect(text).toContain("'HTTP_X_AUTH_TOKEN': '********'");
    expect(text).toContain("'HTTP_AUTHORIZATION': '********'");
    expect(text).toContain("'HTTP_USER_AGENT': 'probe/1.0'");
    expect(text).toContain("'HTTP_ACCEPT_LANGUAGE': 'fr'");
    expect(text).not.toContain('xxxx');
    expect([...DEBUG_PAGE_HEADERS]).toEqual(expect.arrayContaining(['host', 'user-agent', 'x-forwarded-for', 'x-request-id']));
    expect(DEBUG_PAGE_HEADERS.size).toBeLessThanOrEqual(12);
  });
});
