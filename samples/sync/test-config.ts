/** The config of a SyncApp under test: auth and storage in one database (`uri`), then `extra` sections. */
export function testConfig(uri: string, extra = ''): string {
  return `
[global]
shared_secret = s3cret
max_body_size = 4194304

[auth]
backend = sql
sqluri = ${uri}
password_scheme = ssha-256
strict_usernames = false

[storage]
sqluri = ${uri}

[cef]
vendor = mozilla
version = 0
device_version = 1.0
product = weave
${extra}`;
}
