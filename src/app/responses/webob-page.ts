import { STATUS_CODES } from 'node:http';

// The error pages of WebOb 1.0.7, which the Python original answered its errors with
// (docs/compatibility.md C.12): legacy clients and monitoring match on these texts.

const CLIENT_ERROR = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';
const SERVER_ERROR = 'The server has either erred or is incapable of performing the requested operation.';

/**
 * WebOb's title and explanation per status. 406, 415 and 501 declared templates of their own
 * under attribute names WebOb never reads, so they show their base class's explanation, as here.
 */
const KINDS: Readonly<Record<number, readonly [title: string, explanation: string]>> = {
  400: ['Bad Request', CLIENT_ERROR],
  401: ['Unauthorized', 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.'],
  402: ['Payment Required', 'Access was denied for financial reasons.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', ''],
  406: ['Not Acceptable', CLIENT_ERROR],
  407: ['Proxy Authentication Required', 'Authentication with a local proxy is needed.'],
  408: ['Request Timeout', 'The server has waited too long for the request to be sent by the client.'],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  410: ['Gone', 'This resource is no longer available.  No forwarding address is given.'],
  411: ['Length Required', 'Content-Length header required.'],
  412: ['Precondition Failed', 'Request precondition failed.'],
  413: ['Request Entity Too Large', 'The body of your request was too large for this server.'],
  414: ['Request-URI Too Long', 'The request URI was too long for this server.'],
  415: ['Unsupported Media Type', CLIENT_ERROR],
  416: ['Request Range Not Satisfiable', 'The Range requested is not available.'],
  417: ['Expectation Failed', 'Expectation failed.'],
  500: ['Internal Server Error', SERVER_ERROR],
  501: ['Not Implemented', SERVER_ERROR],
  502: ['Bad Gateway', 'Bad gateway.'],
  503: ['Service Unavailable', 'The server is currently unavailable. Please try again at a later time.'],
  504: ['Gateway Timeout', 'The gateway has timed out.'],
  505: ['HTTP Version Not Supported', 'The HTTP version is not supported.'],
};

export interface WebObPageInput {
  status: number;
  /** What the error says about this case (`HTTPNotFound(detail)`); shown after the explanation. */
  detail?: string;
  /** WebOb's `comment`: an HTML comment in the HTML page, plain text in the plain one. */
  comment?: string;
  /** The request method (the 405 page names it). */
  method: string;
  /** The request's Accept header: `html` or `*∕*` in it picks the HTML page. */
  accept?: string;
  /** A charset on the Content-Type (`; charset=UTF-8`): the original's pages had one, except its Basic challenge. */
  charset: boolean;
}

export interface WebObPage {
  contentType: string;
  body: string;
}

// WebOb's html_escape: cgi.escape with quotes, then non-ASCII as character references.
function htmlEscape(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '&') out += '&amp;';
    else if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (char === '"') out += '&quot;';
    else if (code > 0x7f) out += `&#${code};`;
    else out += char;
  }
  return out;
}

// Replaces each `<…>` (a `<` up to the next `>`) that `matches` with `by`: a scan with indexOf, linear.
function replaceTags(text: string, matches: (tagStart: number) => boolean, by: string): string {
  let out = '';
  let from = 0;
  for (let open = text.indexOf('<'); open !== -1; open = text.indexOf('<', open + 1)) {
    if (open < from || !matches(open)) continue;
    const close = text.indexOf('>', open);
    if (close === -1) break;
    out += text.slice(from, open) + by;
    from = close + 1;
  }
  return out + text.slice(from);
}

// WebOb's strip_tags, for the plain page: newlines become spaces, `<br…>` a newline, comment
// marks and other tags go.
function stripTags(text: string): string {
  const flat = text.replaceAll('\n', ' ').replaceAll('\r', '');
  const breaks = replaceTags(flat, (at) => flat.slice(at + 1, at + 3).toLowerCase() === 'br', '\n');
  return replaceTags(breaks.replaceAll('<!--', '').replaceAll('-->', ''), () => true, '');
}

// The body fragment of WebOb's templates: explanation, detail and comment (405: the method instead).
function fragment(input: WebObPageInput, explanation: string, escape: (text: string) => string): string {
  const detail = escape(input.detail ?? '');
  if (input.status === 405) return `The method ${escape(input.method)} is not allowed for this resource. <br /><br />\n${detail}`;
  const comment = input.comment ? `<!-- ${escape(input.comment)} -->` : '';
  return `${escape(explanation)}<br /><br />\n${detail}\n${comment}\n`;
}

/**
 * The page WebOb 1.0.7 answered an HTTP error with: HTML when the Accept header contains `html`
 * or `*∕*` (curl, browsers), else the plain-text page (status line, blank line, explanation,
 * detail, with WebOb's trailing spaces; urllib2 sends no Accept). A status WebOb had no class for
 * takes Node's reason phrase and the explanation of its class (4xx or 5xx).
 */
export function webobPage(input: WebObPageInput): WebObPage {
  const [title, explanation] = KINDS[input.status] ?? [STATUS_CODES[input.status] ?? 'Error', input.status < 500 ? CLIENT_ERROR : SERVER_ERROR];
  const status = `${input.status} ${title}`;
  const accept = input.accept ?? '';
  const html = accept.includes('html') || accept.includes('*/*');
  const charset = input.charset ? '; charset=UTF-8' : '';
  if (html) {
    const body = `<html>\n <head>\n  <title>${status}</title>\n </head>\n <body>\n  <h1>${status}</h1>\n  ${fragment(input, explanation, htmlEscape)}\n </body>\n</html>`;
    return { contentType: `text/html${charset}`, body };
  }
  return { contentType: `text/plain${charset}`, body: `${status}\n\n${stripTags(fragment(input, explanation, (text) => text))}` };
}
