// The frame of every dashboard page: one style and one script, both under the response's nonce; the header names
// the officer and signs out (POST /auth/logout with the session's CSRF token, kept in main's data-csrf).
import type { Officer } from '../auth/officer';
import { escapeHtml as escape } from '../http/html';

export const SEVERITIES = ['critical', 'warning', 'info'] as const;

export interface PageFrame {
  officer: Officer;
  title: string;
  /** Links of the header's navigation, already HTML. */
  nav: string;
  main: string;
  /** The page's own script (runs after the frame's); values it shows are set with textContent. */
  script: string;
  /** The way from this page to the service's root ('' on the dashboard, '../' one level down). */
  root: string;
}

export function page(frame: PageFrame, nonce: string): string {
  const { officer } = frame;
  const who = officer.role === 'privacy-officer' ? `privacy officer of ${officer.institution}` : 'platform operator';
  const csrf = officer.via.kind === 'session' ? officer.via.csrfToken : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(frame.title)}</title>
<style nonce="${nonce}">
  body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
  header { background: #14213d; color: #fff; padding: .8rem 1.5rem; display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; justify-content: space-between; }
  header h1 { font-size: 1.25rem; margin: 0; } header p { margin: 0; }
  nav a, header button { color: #fff; margin-right: 1rem; } header button { background: none; border: 1px solid #fff; border-radius: 4px; padding: .3rem .8rem; font: inherit; cursor: pointer; }
  main { padding: 1rem 1.5rem; max-width: 72rem; }
  h2 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
  .skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: #fff; color: #14213d; padding: .4rem; z-index: 2; }
  a:focus, button:focus, input:focus, select:focus, textarea:focus { outline: 3px solid #f2b705; outline-offset: 2px; }
  a { color: #1f4e8c; }
  .cards { display: flex; flex-wrap: wrap; gap: .6rem; } .card { background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .5rem .9rem; min-width: 8rem; } .card b { display: block; font-size: 1.4rem; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; } figure { margin: 0; background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem; } figcaption { font-weight: 600; margin-bottom: .3rem; }
  table { border-collapse: collapse; width: 100%; background: #fff; } caption { text-align: left; font-weight: 600; padding: .3rem 0; }
  th, td { border-bottom: 1px solid #d5dae1; padding: .35rem .5rem; text-align: left; vertical-align: top; } th { background: #e8ecf2; } td.id { word-break: break-all; }
  .critical { color: #a4161a; font-weight: 600; } .warning { color: #7a4d00; } .info { color: #2f5d8a; }
  form.report, form.filter, .actions { background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem .9rem; margin-bottom: .6rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  form.report input { min-width: 22rem; padding: .3rem; border: 1px solid #6b7280; border-radius: 4px; font: inherit; } select { font: inherit; padding: .3rem; }
  textarea { font: inherit; width: 100%; min-height: 4rem; border: 1px solid #6b7280; border-radius: 4px; }
  main button { font: inherit; padding: .35rem .9rem; background: #1f4e8c; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; background: #fff; border: 1px solid #c9ced6; border-radius: 6px; padding: .6rem .9rem; } dt { font-weight: 600; } dd { margin: 0; word-break: break-all; }
  #live, #outcome { font-size: .9rem; color: #374151; }
</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header>
<div><h1>medshare governance</h1><p>Signed in as ${escape(officer.subject)}, ${escape(who)}</p></div>
<nav aria-label="Sections">${frame.nav}${csrf ? '<button type="button" id="sign-out">Sign out</button>' : ''}</nav>
</header>
<main id="content" data-csrf="${escape(csrf)}" data-root="${escape(frame.root)}">
${frame.main}
</main>
<script nonce="${nonce}">
'use strict';
const root = document.getElementById('content').dataset.root;
/** A state change with the session: its CSRF token in the header the service checks. */
const post = (path, body) =>
  fetch(root + path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': document.getElementById('content').dataset.csrf }, body: JSON.stringify(body) });
const signOut = document.getElementById('sign-out');
if (signOut) signOut.addEventListener('click', async () => {
  const { next } = await (await post('auth/logout', {})).json();
  window.location.assign(next);
});
${frame.script}
</script>
</body>
</html>
`;
}
