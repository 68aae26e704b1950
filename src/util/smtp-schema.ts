import type { SettingsSchema } from '../config/schema';

/** The `[smtp]` keys `sendEmail` reads. */
export const SMTP_SETTINGS: SettingsSchema = {
  'smtp.host': ['host', '`localhost`', '`sendEmail`\'s SMTP server'],
  'smtp.port': ['port', '`25` (`465` if secure)', 'its port'],
  'smtp.secure': ['boolean', '`false`', 'TLS from the start'],
  'smtp.starttls': ['boolean', 'upgrade when offered', 'StartTLS: `true` requires it, `false` never'],
  'smtp.user': ['text', 'none', 'login'],
  'smtp.password': ['secret', 'none', 'password'],
  'smtp.sender': ['address', 'none', 'default `From`'],
  'smtp.verify_certificate': ['boolean', '`true`', 'check the server\'s certificate'],
  'smtp.timeout': ['seconds', '`10`', 'per connection and command'],
};
