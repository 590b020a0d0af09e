// The mxr console: a static page that calls this origin's JSON API with the customer's
// token (kept in sessionStorage, forgotten on sign-out). No build step, no other network.
// Everything that comes from the API (mail subjects, addresses, reasons) is put into the
// page as text, never as markup.
'use strict';

(() => {
  const TOKEN_KEY = 'mxr-token';
  const $ = (id) => document.getElementById(id);

  // The plain-language words of the page (index.html's #words): category, form,
  // purpose, stage and outcome names, and the forms that apply to each category
  // (mxr-privacy's Category::allowed_forms). An unknown name is shown as it is.
  const { CATEGORY, FORM, PURPOSE, STAGE, OUTCOME, APPLIES } = JSON.parse($('words').textContent);
  // Forms from most to least revealing: a tightening may only move right.
  const FORMS = ['full', 'pseudonym', 'domain', 'redacted', 'withheld'];
  const words = (map, key) => map[key] || key;

  const state = { tenant: null, catalogue: [], saved: null, draft: null };
  // Panels whose script is a file of its own (subjects.js): section name → loader.
  const extraSections = {};

  // A DOM element with attributes and children; strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'onclick' || k === 'onchange') node.addEventListener(k.slice(2), v);
      else if (k === 'checked' || k === 'selected') node[k] = v;
      else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function say(id, text, isError) {
    const node = $(id);
    node.textContent = text;
    node.classList.toggle('error', Boolean(isError));
  }

  // The API's refusal, with the field at fault when it names one.
  function refusal(err) {
    const body = err.body || {};
    const text = body.error || `the server answered ${err.status}`;
    return body.field ? `Refused: ${text} (field: ${body.field})` : `Refused: ${text}`;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super(body && body.error ? body.error : `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function api(method, path, body) {
    const headers = { Authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) || ''}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store', credentials: 'omit',
    });
    const data = await res.json().catch(() => null);
    if (res.status === 401 && path !== '/api/whoami') signOut('Your sign-in is no longer valid. Please sign in again.');
    if (!res.ok) throw new ApiError(res.status, data);
    return data;
  }
  const tenantPath = (rest) => `/api/tenants/${encodeURIComponent(state.tenant)}${rest}`;

  // ---- Signing in and out ----

  async function signIn(token) {
    say('sign-in-error', '');
    sessionStorage.setItem(TOKEN_KEY, token);
    let who;
    try {
      who = await api('GET', '/api/whoami');
    } catch (err) {
      sessionStorage.removeItem(TOKEN_KEY);
      say('sign-in-error', err.status === 401 ? 'That token is not valid (or was revoked).' : refusal(err), true);
      return;
    }
    $('token').value = '';
    $('sign-in').hidden = true;
    $('signed-in').hidden = false;
    $('who').hidden = false;
    if (who.tenant) {
      state.tenant = who.tenant;
      $('signed-in-as').textContent = `Signed in for ${who.tenant}`;
    } else {
      $('signed-in-as').textContent = 'Signed in as the operator';
      await pickTenant();
    }
    if (state.tenant) showSection('plugins');
  }

  // An operator token may act for any tenant: pick one.
  async function pickTenant() {
    const list = await api('GET', '/api/tenants');
    const items = Array.isArray(list) ? list : list.tenants || [];
    const ids = items.map((t) => (typeof t === 'string' ? t : t.id));
    $('tenant').replaceChildren(...ids.map((id) => el('option', { value: id }, id)));
    $('tenant-pick').hidden = false;
    state.tenant = ids[0] || null;
  }

  function signOut(why) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.tenant = null;
    state.catalogue = [];
    state.saved = state.draft = null;
    $('signed-in').hidden = true;
    $('who').hidden = true;
    $('sign-in').hidden = false;
    for (const t of document.querySelectorAll('tbody')) t.replaceChildren();
    $('chain').replaceChildren();
    $('quarantine-message').hidden = true;
    say('notice', why || 'You are signed out.');
  }

  function showSection(name) {
    say('notice', '');
    for (const panel of document.querySelectorAll('.panel')) panel.hidden = panel.id !== name;
    for (const tab of document.querySelectorAll('.tab')) {
      if (tab.dataset.section === name) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    const load = { plugins: loadPlugins, settings: loadSettingsList, history: () => loadHistory(''), quarantine: loadQuarantine, ...extraSections }[name];
    load().catch((err) => say('notice', refusal(err), true));
  }

  // ---- The catalogue and the plugin set ----

  async function loadPlugins() {
    const asked = state.tenant;
    const [catalogue, chain] = await Promise.all([api('GET', tenantPath('/catalogue')), api('GET', tenantPath('/chain'))]);
    if (asked !== state.tenant) return; // an operator picked another tenant meanwhile
    state.catalogue = catalogue.plugins;
    state.saved = chain;
    state.draft = structuredClone(chain);
    renderCatalogue();
    renderChain();
  }

  const plugin = (name) => state.catalogue.find((p) => p.name === name);

  function labelText(entry) {
    const text = `${words(CATEGORY, entry.category)}: ${words(FORM, entry.form)}`;
    return entry.form === entry.policy ? text : `${text} (you chose this; the policy allows ${words(FORM, entry.policy)})`;
  }

  // The categories a plugin gets, then one line for those it never gets.
  function labelList(p) {
    const given = p.label.filter((e) => e.policy !== 'withheld');
    const never = p.label.filter((e) => e.policy === 'withheld').map((e) => words(CATEGORY, e.category));
    if (!given.length) return 'No personal data';
    return el('ul', { class: 'label' }, given.map((e) => el('li', null, labelText(e))),
      never.length ? el('li', { class: 'never' }, `Never: ${never.join(', ')}`) : null);
  }

  function statusText(p) {
    if (p.loaded === false) return 'In your set, but not loaded on the server: it does not run';
    if (!p.in_chain) return 'Not in your set';
    if (p.runs) return 'In your set and running';
    return p.authorised ? 'In your set, not running' : 'In your set, not running: its purpose is not allowed yet';
  }

  function renderCatalogue() {
    const rows = state.catalogue.map((p) => el('tr', { 'data-testid': `catalogue-row-${p.name}` },
      el('th', { scope: 'row' }, p.name, el('span', { class: 'version' }, ` ${p.version}`)),
      el('td', null, p.purpose ? words(PURPOSE, p.purpose) : '—'),
      el('td', null, (p.stages || []).map((s) => words(STAGE, s)).join(', ')),
      el('td', { 'data-testid': `label-${p.name}` }, labelList(p)),
      el('td', { 'data-testid': `status-${p.name}` }, statusText(p))));
    $('catalogue').tBodies[0].replaceChildren(...rows);
  }

  function renderChain() {
    const d = state.draft;
    $('chain').replaceChildren(...d.plugins.map((name, i) => chainItem(name, i, d.plugins.length)));
    $('chain-empty').hidden = d.plugins.length > 0;
    const absent = state.catalogue.filter((p) => p.loaded !== false && !d.plugins.includes(p.name));
    $('add-plugin').replaceChildren(...absent.map((p) => el('option', { value: p.name }, `${p.name} (${words(PURPOSE, p.purpose)})`)));
    $('add-row').hidden = absent.length === 0;
  }

  function chainItem(name, i, count) {
    const p = plugin(name);
    const d = state.draft;
    const move = (to) => () => { d.plugins.splice(i, 1); d.plugins.splice(to, 0, name); changed(); };
    const remove = () => {
      d.plugins.splice(i, 1);
      delete d.authorise[name];
      delete d.tighten[name];
      changed();
    };
    const controls = el('div', { class: 'row' },
      el('button', { type: 'button', 'aria-label': `Move ${name} up`, 'data-testid': `up-${name}`, disabled: i === 0, onclick: move(i - 1) }, 'Move up'),
      el('button', { type: 'button', 'aria-label': `Move ${name} down`, 'data-testid': `down-${name}`, disabled: i === count - 1, onclick: move(i + 1) }, 'Move down'),
      el('button', { type: 'button', 'aria-label': `Remove ${name}`, 'data-testid': `remove-${name}`, onclick: remove }, 'Remove'));
    if (!p || p.loaded === false) return el('li', { 'data-testid': `chain-item-${name}` }, el('strong', null, name), ' (not loaded on the server)', controls);
    const allowId = `allow-${name}`;
    const allow = el('input', {
      type: 'checkbox', id: allowId, 'data-testid': allowId, checked: d.authorise[name] === p.purpose,
      onchange: (e) => { if (e.target.checked) d.authorise[name] = p.purpose; else delete d.authorise[name]; changed(false); },
    });
    return el('li', { 'data-testid': `chain-item-${name}` },
      el('strong', null, name), ` — ${words(PURPOSE, p.purpose)}`,
      el('div', { class: 'row' }, allow, el('label', { for: allowId }, `Allow ${name} to use my mail data for ${words(PURPOSE, p.purpose).split(':')[0].toLowerCase()}`)),
      given(p).length ? el('fieldset', null, el('legend', null, `What ${name} gets`), given(p).map((e) => tightenSelect(name, e))) : null,
      controls);
  }

  const given = (p) => p.label.filter((e) => e.policy !== 'withheld');

  // A form choice for one category: the policy's form or one that gives less.
  function tightenSelect(name, entry) {
    const d = state.draft;
    const id = `tighten-${name}-${entry.category}`;
    const chosen = (d.tighten[name] || {})[entry.category] || entry.policy;
    const applies = APPLIES[entry.category] || FORMS;
    const options = FORMS.slice(Math.max(0, FORMS.indexOf(entry.policy))).filter((f) => applies.includes(f))
      .map((f) => el('option', { value: f, selected: f === chosen }, words(FORM, f)));
    const select = el('select', {
      id, 'data-testid': id,
      onchange: (e) => {
        const t = (d.tighten[name] = d.tighten[name] || {});
        if (e.target.value === entry.policy) delete t[entry.category];
        else t[entry.category] = e.target.value;
        if (Object.keys(t).length === 0) delete d.tighten[name];
        changed(false);
      },
    }, options);
    return el('div', { class: 'row' }, el('label', { for: id }, words(CATEGORY, entry.category)), select);
  }

  function changed(redraw = true) {
    if (redraw) renderChain();
    say('chain-status', 'Not saved yet.');
  }

  async function saveChain() {
    const d = state.draft;
    // Authorisations and tightenings only for plugins in the set.
    const keep = (map) => Object.fromEntries(Object.entries(map).filter(([k]) => d.plugins.includes(k)));
    const body = { plugins: d.plugins, authorise: keep(d.authorise), tighten: keep(d.tighten) };
    try {
      const saved = await api('PUT', tenantPath('/chain'), body);
      await loadPlugins();
      const dropped = (saved.settings_dropped || []).length ? ` Your settings for ${saved.settings_dropped.join(', ')} were removed with it.` : '';
      say('chain-status', `Saved: your plugin set is live (revision ${saved.revision}).${dropped}`);
    } catch (err) {
      say('chain-status', refusal(err), true);
    }
  }

  // ---- Settings ----

  // Settings are per plugin in the set.
  async function loadSettingsList() {
    const { plugins } = await api('GET', tenantPath('/chain'));
    const current = $('settings-plugin').value;
    $('settings-plugin').replaceChildren(...plugins.map((p) => el('option', { value: p, selected: p === current }, p)));
    if (!plugins.length) say('settings-status', 'Your plugin set is empty: there is nothing to set.');
    await Promise.all([loadSettings(), loadDigest()]);
  }

  async function loadSettings() {
    const name = $('settings-plugin').value;
    if (!name) return;
    const s = await api('GET', tenantPath(`/settings/${encodeURIComponent(name)}`));
    $('settings-for').textContent = `Settings of ${s.plugin}`;
    $('settings-text').value = s.settings || '';
    $('settings-default').textContent = s.default || '(none)';
    say('settings-status', s.settings === null || s.settings === undefined ? 'You use the default.' : 'You use your own settings.');
  }

  async function settingsCall(method) {
    const name = $('settings-plugin').value;
    const body = method === 'PUT' ? { settings: $('settings-text').value } : undefined;
    try {
      const r = await api(method, tenantPath(`/settings/${encodeURIComponent(name)}`), body);
      await loadSettings();
      const what = method === 'PUT' ? `Saved the settings of ${name}` : `${name} uses the default again`;
      say('settings-status', r && r.revision !== undefined ? `${what} (revision ${r.revision}).` : `${what}.`);
    } catch (err) {
      say('settings-status', refusal(err), true);
    }
  }

  // ---- The quarantine digest ----

  async function loadDigest() {
    const { digest } = await api('GET', tenantPath('/digest'));
    $('digest-to').value = digest ? digest.to : '';
    $('digest-hours').value = digest ? String(digest.every_hours) : '24';
    say('digest-status', digest ? `A digest goes to ${digest.to} every ${digest.every_hours} hours.` : 'No digest is sent.');
  }

  async function digestCall(method) {
    const body = method === 'PUT' ? { to: $('digest-to').value.trim(), every_hours: Number($('digest-hours').value) } : undefined;
    try {
      await api(method, tenantPath('/digest'), body);
      await loadDigest();
    } catch (err) {
      say('digest-status', refusal(err), true);
    }
  }

  // A digest's link (`#release=...`) releases one message without signing in: the
  // link is the credential. Nothing happens until the button is pressed (mail scanners
  // that open links do not press buttons, and never see the fragment).
  async function releaseByLink() {
    const link = decodeURIComponent(location.hash.slice('#release='.length));
    $('release-link-button').disabled = true;
    const res = await fetch('/api/release-link', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ link }), cache: 'no-store', credentials: 'omit',
    });
    const data = await res.json().catch(() => null);
    history.replaceState(null, '', location.pathname);
    if (res.ok) say('release-link-status', 'Released: the message is being delivered.');
    else say('release-link-status', refusal(new ApiError(res.status, data)), true);
  }

  // The release panel, when the address carries a link (also when it arrives later).
  function showReleaseLink() {
    const has = location.hash.startsWith('#release=');
    if (has) {
      say('release-link-status', '');
      $('release-link-button').disabled = false;
    }
    $('release-link').hidden = !has && !$('release-link-status').textContent;
  }

  // ---- History ----

  function disclosureText(d) {
    const forms = Object.entries(d.forms || {}).map(([c, f]) => `${words(CATEGORY, c)} ${words(FORM, f)}`);
    const seen = forms.length ? forms.join('; ') : 'no personal data';
    return `${d.plugin}, ${words(STAGE, d.stage)}, for ${words(PURPOSE, d.purpose).split(':')[0].toLowerCase()}: ${seen}`;
  }

  const when = (t) => (t ? t.replace('T', ' ').replace(/\.\d+/, '').replace('Z', ' UTC') : '');

  async function loadHistory(address) {
    const query = new URLSearchParams({ limit: '100' });
    if (address) query.set('subject', address);
    $('history-caption').textContent = address ? `Messages to or from ${address}` : 'Recent messages';
    const { copies } = await api('GET', tenantPath(`/history?${query}`));
    const rows = copies.map((c) => el('tr', { 'data-testid': 'history-row', 'data-queue-id': c.queue_id },
      el('td', null, when(c.time)),
      el('td', { 'data-testid': 'history-outcome' }, c.code && c.outcome === 'refused' ? `${words(OUTCOME, c.outcome)} (${c.code})` : words(OUTCOME, c.outcome)),
      el('td', { 'data-testid': 'history-plugin' }, c.plugin ? `${c.plugin}${c.reason ? `: ${c.reason}` : ''}` : '—'),
      el('td', null, c.score === null || c.score === undefined ? '—' : String(c.score)),
      el('td', null, (c.tags || []).join(', ') || '—'),
      el('td', { 'data-testid': 'history-label' },
        el('ul', { class: 'label' }, (c.disclosures || []).map((d) => el('li', null, disclosureText(d)))))));
    $('history-table').tBodies[0].replaceChildren(...rows);
    say('history-status', copies.length ? `${copies.length} shown.` : 'No messages found.');
  }

  // ---- Quarantine ----

  async function loadQuarantine() {
    const { messages } = await api('GET', tenantPath('/quarantine'));
    const rows = messages.map((m) => {
      const act = (label, testid, fn) => el('button', { type: 'button', 'data-testid': testid, 'aria-label': `${label}: ${m.subject || m.id}`, onclick: fn }, label);
      return el('tr', { 'data-testid': 'quarantine-row', 'data-id': m.id },
        el('td', null, when(m.received)),
        el('td', null, m.from || '<>'),
        el('td', null, (m.rcpts || []).join(', ')),
        el('td', { 'data-testid': 'quarantine-subject' }, m.subject || '(no subject)'),
        el('td', null, `${m.plugin}${m.reason ? `: ${m.reason}` : ''}`),
        el('td', null, m.score === null || m.score === undefined ? '—' : String(m.score)),
        el('td', null, el('div', { class: 'row' },
          act('Show', 'quarantine-show', () => showMessage(m.id)),
          act('Release', 'quarantine-release', () => quarantineAct('POST', m.id, '/release', 'Released: it is being delivered.')),
          act('Delete', 'quarantine-delete', () => quarantineAct('DELETE', m.id, '', 'Deleted for good.')))));
    });
    $('quarantine-table').tBodies[0].replaceChildren(...rows);
    $('quarantine-empty').hidden = messages.length > 0;
  }

  const quarantinePath = (id, rest) => tenantPath(`/quarantine/${encodeURIComponent(id)}${rest}`);

  async function showMessage(id) {
    try {
      const m = await api('GET', quarantinePath(id, ''));
      $('qm-title').textContent = m.subject || '(no subject)';
      $('qm-headers').textContent = m.headers || '';
      $('qm-text').textContent = m.text || '';
      $('quarantine-message').hidden = false;
    } catch (err) {
      say('quarantine-status', refusal(err), true);
    }
  }

  async function quarantineAct(method, id, rest, done) {
    try {
      await api(method, quarantinePath(id, rest));
      $('quarantine-message').hidden = true;
      say('quarantine-status', `${done} (${id})`);
      await loadQuarantine();
    } catch (err) {
      say('quarantine-status', refusal(err), true);
    }
  }

  // ---- Wiring ----

  function wire() {
    $('sign-in-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('token').value.trim()); });
    $('sign-out').addEventListener('click', () => signOut());
    for (const tab of document.querySelectorAll('.tab')) tab.addEventListener('click', () => showSection(tab.dataset.section));
    $('tenant').addEventListener('change', (e) => { state.tenant = e.target.value; showSection('plugins'); });
    $('add-plugin-button').addEventListener('click', () => { state.draft.plugins.push($('add-plugin').value); changed(); });
    $('save-chain').addEventListener('click', saveChain);
    $('reset-chain').addEventListener('click', () => { state.draft = structuredClone(state.saved); changed(); say('chain-status', 'Changes undone.'); });
    $('settings-plugin').addEventListener('change', () => loadSettings().catch((err) => say('settings-status', refusal(err), true)));
    $('save-settings').addEventListener('click', () => settingsCall('PUT'));
    $('default-settings').addEventListener('click', () => settingsCall('DELETE'));
    $('history-form').addEventListener('submit', (e) => {
      e.preventDefault();
      loadHistory($('history-address').value.trim()).catch((err) => say('history-status', refusal(err), true));
    });
    $('quarantine-refresh').addEventListener('click', () => loadQuarantine().catch((err) => say('quarantine-status', refusal(err), true)));
    $('qm-close').addEventListener('click', () => { $('quarantine-message').hidden = true; });
    $('digest-form').addEventListener('submit', (e) => { e.preventDefault(); digestCall('PUT'); });
    $('digest-stop').addEventListener('click', () => digestCall('DELETE'));
    $('release-link-button').addEventListener('click', () => releaseByLink().catch((err) => say('release-link-status', String(err), true)));
    window.addEventListener('hashchange', showReleaseLink);
    showReleaseLink();
    const kept = sessionStorage.getItem(TOKEN_KEY);
    if (kept) signIn(kept);
  }

  wire();
  // What the other console scripts use (subjects.js): the API call, the page helpers,
  // and where to register a panel's loader.
  window.mxrConsole = Object.freeze({ api, el, say, refusal, tenantPath, when, $, sections: extraSections });
})();
