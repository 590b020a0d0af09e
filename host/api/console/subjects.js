// The console's data-subject requests panel: find what is held about persons, export it
// (a zip download), erase their stored mail, and the list of requests with their
// 3-working-day deadlines. It calls /api/tenants/T/subjects/*, the same operations as
// `mxr subject`. Everything from the API is put into the page as text.
'use strict';

(() => {
  const { api, el, say, refusal, tenantPath, when, $, sections } = window.mxrConsole;
  let current = null; // the open request's id, continued by export and erase

  const addresses = () => $('subject-addresses').value.split(/[\s,;]+/).filter(Boolean);
  const body = () => (current ? { addresses: addresses(), request: current } : { addresses: addresses() });

  function showFindings(f, erased) {
    current = f.request.id;
    const rows = f.mail.map((m) => el('tr', { 'data-testid': 'subject-row' },
      el('td', null, m.place), el('td', null, m.queue_id), el('td', null, when(m.stored)), el('td', null, m.roles.join(', '))));
    $('subject-table').tBodies[0].replaceChildren(...rows);
    const verb = erased ? 'erased' : 'held';
    const n = f.mail.length;
    say('subject-status', `Request ${f.request.id}: ${n} stored message${n === 1 ? '' : 's'} ${verb}, ${f.audit_records} audit records (kept as evidence). Deadline ${when(f.request.deadline)}.`);
  }

  async function step(verb) {
    try {
      const f = await api('POST', tenantPath(`/subjects/${verb}`), body());
      showFindings(f, verb === 'erase');
      await loadRequests();
    } catch (err) {
      say('subject-status', refusal(err), true);
    }
  }

  // The export is a zip: fetched with the token, then offered as a download.
  async function exportZip() {
    try {
      const res = await fetch(tenantPath('/subjects/export'), {
        method: 'POST', cache: 'no-store', credentials: 'omit',
        headers: { Authorization: `Bearer ${sessionStorage.getItem('mxr-token') || ''}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body()),
      });
      if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { status: res.status, body: await res.json().catch(() => null) });
      const name = (res.headers.get('content-disposition') || '').match(/filename="([^"]+)"/);
      const link = el('a', { href: URL.createObjectURL(await res.blob()), download: name ? name[1] : 'export.zip', 'data-testid': 'subject-download' }, 'Download the export');
      $('subject-download').replaceChildren(link);
      say('subject-status', 'The export is ready.');
      await loadRequests();
    } catch (err) {
      say('subject-status', refusal(err), true);
    }
  }

  async function loadRequests() {
    const { requests } = await api('GET', tenantPath('/subjects/requests'));
    const rows = requests.map((r) => el('tr', { 'data-testid': 'request-row' },
      el('td', null, r.id), el('td', null, when(r.arrived)), el('td', null, when(r.deadline)),
      el('td', null, r.steps.length ? (r.on_time ? 'done in time' : 'LATE') : 'open'),
      el('td', null, r.steps.map((s) => `${when(s.done)} ${s.kind}: ${s.summary}`).join('; '))));
    $('request-table').tBodies[0].replaceChildren(...rows);
  }

  $('subject-form').addEventListener('submit', (e) => { e.preventDefault(); current = null; step('find'); });
  // Other addresses are another request: export and erase follow a find for them.
  $('subject-addresses').addEventListener('input', () => { current = null; });
  $('subject-export').addEventListener('click', exportZip);
  // Erasing cannot be undone: the first click arms the button, the second erases.
  $('subject-erase').addEventListener('click', (e) => {
    const button = e.currentTarget;
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = 'Click again to erase for good';
      return;
    }
    button.dataset.armed = '';
    button.textContent = 'Erase';
    step('erase');
  });
  sections.subjects = loadRequests;
})();
