/**
 * The password-reset mail and web pages of server-reg (README.md "Password reset"): the mail
 * with the reset link, the form that asks for a user name, the form that takes the new password
 * twice, and the pages that confirm or explain. Every value a client sent is HTML-escaped.
 * Framework-independent.
 */

/** Where the reset link and the forms point (server-reg's path, which Firefox opens). */
export const RESET_PATH = '/weave-password-reset';
/** The style sheet of the pages, served from `media/`. */
const STYLE = '/media/forms.css';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const html = (text: string) => text.replace(/[&<>"']/g, (c) => ENTITIES[c]);

function page(title: string, content: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<link rel="stylesheet" href="${STYLE}">
</head>
<body>
<div id="content">
<h1>${title}</h1>
${content}
</div>
</body>
</html>
`;
}

/** The mail: the link on its third line, as server-reg's mail had it (clients and tests read it there). */
export function resetMail(root: string, username: string, code: string): { subject: string; body: string } {
  const link = `${root}${RESET_PATH}?${new URLSearchParams({ username, key: code }).toString()}`;
  return {
    subject: 'Resetting your Services password',
    body: `Someone (hopefully you) asked to reset the Sync password of the account ${username}. To choose a new password, open:\n\n` +
      `${link}\n\n` +
      'The link works for the next 6 hours. If you did not ask for it, ignore this mail: your password stays as it is.\n',
  };
}

/** The first form: which account to reset (POSTs only `username`). */
export function askResetPage(): string {
  return page('Reset your Sync password', `<p>Enter your user name or e-mail address; we will mail you a link to choose a new password.</p>
<form class="mainForm" id="askReset" action="${RESET_PATH}" method="post">
<p><label>User name or e-mail: <input type="text" name="username" id="username" size="32" autocomplete="username"></label></p>
<p><input type="submit" id="send" value="Send the reset link"></p>
</form>`);
}

export interface ResetForm {
  username?: string;
  key?: string;
  error?: string;
}

/** The form of the mailed link: the new password twice; `error` says why the last try failed. */
export function resetFormPage(form: ResetForm): string {
  const error = form.error ? `<div class="error" id="error">${html(form.error)}</div>\n` : '';
  const username = form.username ? `<input type="hidden" name="username" value="${html(form.username)}">\n` : '';
  return page('Choose a new Sync password', `<p><strong>Note:</strong> do not choose your recovery key (passphrase) as your password.</p>
${error}<form class="mainForm" id="changePass" action="${RESET_PATH}" method="post">
<p><label>New password: <input type="password" name="password" id="user_pass" size="20" autocomplete="new-password"></label></p>
<p><label>Re-enter to confirm: <input type="password" name="confirm" id="user_pass2" size="20" autocomplete="new-password"></label></p>
<input type="hidden" name="key" value="${html(form.key ?? '')}">
${username}<p><input type="submit" id="pchange" value="Change my password"></p>
</form>`);
}

export function keySentPage(): string {
  return page('Reset link sent', '<p class="success" id="sent">We have sent you a link to reset your password. It works for the next 6 hours.</p>');
}

export function resetFailedPage(reason: string): string {
  return page('Password reset failed', `<div class="error" id="error">${html(reason)}</div>`);
}

export function passwordChangedPage(): string {
  return page('Password changed', '<p class="success" id="changed">Password successfully changed. Sign in to Sync with your new password.</p>');
}
