import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { startSmtp } from '../support/smtp-server';
import { sendEmail } from '../../src/util/send-email';
import { closedPort } from './local-server';

const message = { from: 'app@example.com', to: 'tarek@example.com', subject: 'Password reset', body: 'Your code is 7QX2-P0A9-ZK3M-4B1C\n' };

describe('sendEmail (docs/compatibility.md C.11 send_email) against a real SMTP server', () => {
  it('delivers a plain-text mail with the right envelope, headers and body', async () => {
    const smtp = await startSmtp();
    try {
      const result = await sendEmail({ ...message, body: 'Café: 7QX2-P0A9-ZK3M-4B1C' }, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port });
      expect(result).toEqual({ ok: true, rejected: [] });
      expect(smtp.received).toHaveLength(1);
      const [mail] = smtp.received;
      expect(mail.from).toBe('app@example.com');
      expect(mail.to).toEqual(['tarek@example.com']);
      expect(mail.raw).toMatch(/^From: app@example\.com\r$/m);
      expect(mail.raw).toMatch(/^To: tarek@example\.com\r$/m);
      expect(mail.raw).toMatch(/^Subject: Password reset\r$/m);
      expect(mail.raw).toMatch(/^Content-Type: text\/plain; charset=utf-8\r$/m);
      expect(mail.raw).toMatch(/^Message-ID: <.+>\r$/m);
      expect(mail.raw).toContain('Caf=C3=A9: 7QX2-P0A9-ZK3M-4B1C');
    } finally {
      await smtp.close();
    }
  });

  it('takes the sender from smtp.sender and accepts several recipients', async () => {
    const smtp = await startSmtp();
    try {
      const result = await sendEmail(
        { to: ['a@example.com', 'b@example.com'], subject: 's', body: 'b' },
        { 'smtp.host': '127.0.0.1', 'smtp.port': String(smtp.port), 'smtp.sender': 'noreply@example.com' },
      );
      expect(result.ok).toBe(true);
      expect(smtp.received[0].from).toBe('noreply@example.com');
      expect(smtp.received[0].to).toEqual(['a@example.com', 'b@example.com']);
    } finally {
      await smtp.close();
    }
  });

  it('reports a refused recipient instead of throwing', async () => {
    const smtp = await startSmtp();
    try {
      const result = await sendEmail({ ...message, to: 'nobody@example.com' }, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toMatch(/recipients were rejected.*550 5\.1\.1 No such user here/);
      expect(smtp.received).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('delivers to the others and lists a partly refused recipient', async () => {
    const smtp = await startSmtp();
    try {
      const result = await sendEmail({ ...message, to: ['nobody@example.com', 'tarek@example.com'] }, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port });
      expect(result).toEqual({ ok: true, rejected: ['nobody@example.com'] });
      expect(smtp.received[0].to).toEqual(['tarek@example.com']);
    } finally {
      await smtp.close();
    }
  });

  it('reports a server that is down', async () => {
    const port = await closedPort();
    const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': port });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe(`SMTP 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (ESOCKET)`);
  });

  it('gives up on a server that never greets after smtp.timeout seconds', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': port, 'smtp.timeout': 0.3 });
      expect(result.ok).toBe(false);
      expect(!result.ok && result.error).toBe(`SMTP 127.0.0.1:${port}: Timeout (ETIMEDOUT)`);
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  describe('authentication', () => {
    const authServer = () => startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, cb) {
        if (auth.username === 'mailer' && auth.password === 's3cret') cb(null, { user: 'mailer' });
        else cb(new Error('Invalid username or password'));
      },
    });

    it('logs in with smtp.user and smtp.password', async () => {
      const smtp = await authServer();
      try {
        const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.user': 'mailer', 'smtp.password': 's3cret' });
        expect(result.ok).toBe(true);
        expect(smtp.received[0].user).toBe('mailer');
      } finally {
        await smtp.close();
      }
    });

    it('reports a refused login', async () => {
      const smtp = await authServer();
      try {
        const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.user': 'mailer', 'smtp.password': 'wrong' });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error).toMatch(/Invalid login/);
        expect(smtp.received).toHaveLength(0);
      } finally {
        await smtp.close();
      }
    });
  });

  describe('TLS (smtp-server uses a self-signed certificate)', () => {
    const tlsServer = () => startSmtp({ disabledCommands: [] });

    it('upgrades when offered and checks the certificate by default', async () => {
      const smtp = await tlsServer();
      try {
        const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port });
        expect(result.ok).toBe(false);
        expect(!result.ok && result.error).toMatch(/certificate/i);
        expect(smtp.received).toHaveLength(0);
      } finally {
        await smtp.close();
      }
    });

    it('delivers over TLS with smtp.verify_certificate = false', async () => {
      const smtp = await tlsServer();
      try {
        const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.verify_certificate': false });
        expect(result.ok).toBe(true);
        expect(smtp.received).toHaveLength(1);
      } finally {
        await smtp.close();
      }
    });

    it('speaks TLS from the start with smtp.secure = true', async () => {
      const smtp = await startSmtp({ secure: true });
      try {
        const result = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.secure': true, 'smtp.verify_certificate': false });
        expect(result.ok).toBe(true);
        expect(smtp.received).toHaveLength(1);
        const plain = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': smtp.port, 'smtp.timeout': 1 });
        expect(plain.ok).toBe(false);
      } finally {
        await smtp.close();
      }
    });

    it('stays in plain text with smtp.starttls = false, and refuses a server without it when true', async () => {
      const tls = await tlsServer();
      const plain = await startSmtp();
      try {
        expect((await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': tls.port, 'smtp.starttls': false })).ok).toBe(true);
        const required = await sendEmail(message, { 'smtp.host': '127.0.0.1', 'smtp.port': plain.port, 'smtp.starttls': 'true' });
        expect(required.ok).toBe(false);
        expect(plain.received).toHaveLength(0);
      } finally {
        await tls.close();
        await plain.close();
      }
    });
  });

  describe('bad input throws, naming what is wrong', () => {
    it.each<[Record<string, string | number | boolean>, string]>([
      [{ 'smtp.port': 'abc' }, 'sendEmail: smtp.port must be a port number, got "abc"'],
      [{ 'smtp.port': 70000 }, 'sendEmail: smtp.port must be a port number, got 70000'],
      [{ 'smtp.secure': 'yes' }, 'sendEmail: smtp.secure must be true or false, got "yes"'],
      [{ 'smtp.timeout': 0 }, 'sendEmail: smtp.timeout must be a positive number of seconds, got 0'],
    ])('config %p', async (config, error) => {
      await expect(sendEmail(message, config)).rejects.toThrow(error);
    });

    it('a missing sender or recipient', async () => {
      await expect(sendEmail({ ...message, from: undefined }, {})).rejects.toThrow('sendEmail: no sender: pass `from` or set smtp.sender');
      await expect(sendEmail({ ...message, to: [] }, {})).rejects.toThrow('sendEmail: `to` needs at least one recipient');
    });
  });
});
