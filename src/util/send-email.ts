import type * as Nodemailer from 'nodemailer';
import { loadOptional } from './load-optional';
import type { ConfigValue, FlatConfig } from '../config/types';

export interface EmailMessage {
  /** Default: `smtp.sender`. */
  from?: string;
  to: string | string[];
  subject: string;
  /** Plain text, sent as UTF-8. */
  body: string;
}

export type SendEmailResult =
  /** Accepted by the server; `rejected` lists recipients it refused while taking the others. */
  | { ok: true; rejected: string[] }
  | { ok: false; error: string };

/**
 * Sends a plain-text mail through the `[smtp]` server of a flat app config (legacy
 * `send_email`). Whatever goes wrong on the way (server down, recipient refused, TLS,
 * authentication) comes back as `{ ok: false, error }`, never as a throw; only a missing sender
 * or recipient, or a malformed `smtp.*` value, throws.
 *
 *   const { ok, error } = await sendEmail({ to: 'a@example.com', subject: 'Hi', body: 'Hello' }, app.config);
 */
export async function sendEmail(message: EmailMessage, config: FlatConfig = {}): Promise<SendEmailResult> {
  const smtp = readSmtpConfig(config);
  const from = message.from ?? smtp.sender;
  if (!from) throw new TypeError('sendEmail: no sender: pass `from` or set smtp.sender');
  const to = typeof message.to === 'string' ? [message.to] : message.to;
  if (to.length === 0 || to.some((r) => typeof r !== 'string' || r === '')) throw new TypeError('sendEmail: `to` needs at least one recipient');

  const timeout = smtp.timeout * 1000;
  // Loaded on first use: importing the package does not pay for nodemailer.
  const nodemailer = loadOptional<typeof Nodemailer>('nodemailer', 'sendEmail');
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.starttls === true,
    ignoreTLS: smtp.starttls === false,
    tls: { rejectUnauthorized: smtp.verifyCertificate },
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    const info = await transport.sendMail({ from, to, subject: message.subject, text: message.body });
    return { ok: true, rejected: info.rejected.map((r) => (typeof r === 'string' ? r : r.address)) };
  } catch (err) {
    const { message: text, code } = err as { message?: string; code?: string };
    return { ok: false, error: `SMTP ${smtp.host}:${smtp.port}: ${text ?? String(err)}${code ? ` (${code})` : ''}` };
  } finally {
    transport.close();
  }
}

interface SmtpConfig {
  host: string;
  port: number;
  user?: string;
  password?: string;
  sender?: string;
  secure: boolean;
  /** undefined: upgrade when the server offers it. */
  starttls?: boolean;
  verifyCertificate: boolean;
  /** Seconds. */
  timeout: number;
}

function readSmtpConfig(config: FlatConfig): SmtpConfig {
  const secure = bool(config, 'smtp.secure') ?? false;
  return {
    host: str(config, 'smtp.host') ?? 'localhost',
    port: num(config, 'smtp.port', 'a port number', (n) => Number.isInteger(n) && n > 0 && n < 65536) ?? (secure ? 465 : 25),
    user: str(config, 'smtp.user'),
    password: str(config, 'smtp.password'),
    sender: str(config, 'smtp.sender'),
    secure,
    starttls: bool(config, 'smtp.starttls'),
    verifyCertificate: bool(config, 'smtp.verify_certificate') ?? true,
    timeout: num(config, 'smtp.timeout', 'a positive number of seconds', (n) => n > 0) ?? 10,
  };
}

function invalid(key: string, value: ConfigValue, expected: string): TypeError {
  return new TypeError(`sendEmail: ${key} must be ${expected}, got ${JSON.stringify(value)}`);
}

function str(config: FlatConfig, key: string): string | undefined {
  const value = config[key];
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw invalid(key, value, 'a single value');
  return String(value);
}

function num(config: FlatConfig, key: string, expected: string, ok: (n: number) => boolean): number | undefined {
  const value = config[key];
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n) || !ok(n)) throw invalid(key, value, expected);
  return n;
}

function bool(config: FlatConfig, key: string): boolean | undefined {
  const value = config[key];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw invalid(key, value, 'true or false');
}
