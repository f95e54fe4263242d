// /admin/integrations: webhooks to the business's web shop or POS. Add an address and the
// events it wants, copy the signing secret (shown once), follow each endpoint's delivery log.
// And the POS API keys: one store each, with scopes; the key is shown once, a key can be revoked.

import { checkbox, field, h } from '../../dom.js';
import { errorMessage, formatDateTime, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { loadOwnerScreen } from './common.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';

export async function render(ctx) {
  ctx.setTitle(t('admin.hooks.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadOwnerScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/webhooks', { signal }),
    api.get('/api/admin/api-keys', { signal }),
    api.get('/api/admin/stores', { signal }),
  ]), { retry: null });
  if (!loaded) return;
  const [data, keys, stores] = loaded;
  const created = h('div', { testid: 'hook-created-slot' });
  wait.replaceWith(
    pageTitle(t('admin.hooks.title')),
    h('p', { class: 'lead', text: t('admin.hooks.lead') }),
    created,
    data.endpoints.length
      ? h('ul', { class: 'card hook-list', testid: 'hook-list' }, data.endpoints.map((e) => endpointRow(ctx, e)))
      : h('p', { class: 'card empty-state', testid: 'hooks-empty', text: t('admin.hooks.empty') }),
    addForm(ctx, data.events, created),
    apiKeySection(ctx, keys, stores.stores),
  );
}

function apiKeySection(ctx, keys, stores) {
  const created = h('div', { testid: 'key-created-slot' });
  return h('section', { class: 'stack', testid: 'api-keys', 'aria-labelledby': 'api-keys-title' },
    h('h2', { id: 'api-keys-title', text: t('admin.keys.title') }),
    h('p', { class: 'lead', text: t('admin.keys.lead') }),
    created,
    keys.keys.length
      ? h('ul', { class: 'card hook-list', testid: 'key-list' }, keys.keys.map((k) => keyRow(ctx, k)))
      : h('p', { class: 'card empty-state', testid: 'keys-empty', text: t('admin.keys.empty') }),
    keyForm(ctx, keys.scopes, stores, created));
}

function keyRow(ctx, key) {
  const error = h('div', { class: 'form-error', role: 'alert' });
  const revoke = key.revoked_at ? null : h('button', {
    type: 'button', class: 'button button-small button-ghost', testid: 'key-revoke', text: t('admin.keys.revoke'),
    onclick: () => {
      if (!window.confirm(t('admin.keys.revokeConfirm', { name: key.name }))) return;
      withBusy(revoke, async () => {
        try {
          await api.post(`/api/admin/api-keys/${key.id}/revoke`, {}, { signal: ctx.signal });
          ctx.refresh();
        } catch (err) {
          if (err.name !== 'AbortError') error.textContent = errorMessage(err);
        }
      });
    },
  });
  const used = key.last_used_at ? formatDateTime(key.last_used_at) : t('admin.keys.never');
  return h('li', { class: 'hook-item stack', testid: 'key-item', 'data-key-id': String(key.id) },
    h('p', { class: 'hook-url', text: `${key.name} · ${key.store_name}` }),
    h('p', { class: 'hint', text: `${key.prefix}…` }),
    h('p', { class: 'hint', text: key.scopes.map((s) => t(`admin.keys.scope.${s}`)).join(', ') }),
    h('p', { class: 'hint', text: t('admin.keys.usage', { created: formatDateTime(key.created_at), used }) }),
    key.revoked_at ? h('p', { class: 'chip chip-cancelled', testid: 'key-revoked', text: t('admin.keys.revoked') }) : null,
    revoke ? h('div', { class: 'row-actions' }, revoke) : null,
    error);
}

function keyForm(ctx, scopes, stores, createdSlot) {
  const errors = new FieldErrors(['store_id', 'name', 'scopes']);
  const store = field({
    label: t('admin.keys.store'),
    input: h('select', { testid: 'key-store' }, stores.map((s) => h('option', { value: String(s.id), text: s.name }))),
  });
  const name = field({
    label: t('admin.keys.name'),
    hint: t('admin.keys.nameHint'),
    input: h('input', { type: 'text', maxlength: '60', autocomplete: 'off', required: true, testid: 'key-name' }),
  });
  const boxes = scopes.map((scope) => {
    const box = checkbox({ label: t(`admin.keys.scope.${scope}`), testid: `key-scope-${scope}`, checked: scope !== 'stamps:void' });
    box.input.value = scope;
    return box;
  });
  const group = h('fieldset', { class: 'fieldset' }, h('legend', { text: t('admin.keys.scopes') }), boxes.map((b) => b.row));
  const error = h('div', { class: 'form-error', role: 'alert', testid: 'key-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary', testid: 'key-submit', text: t('admin.keys.create') });
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h3', { text: t('admin.keys.addTitle') }),
    store.row, errors.slot('store_id', store.input),
    name.row, errors.slot('name', name.input),
    group, errors.slot('scopes', group),
    error, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    error.textContent = '';
    const body = {
      store_id: Number(store.input.value),
      name: name.input.value.trim(),
      scopes: boxes.filter((b) => b.input.checked).map((b) => b.input.value),
    };
    if (!body.name) errors.set('name', t('admin.keys.nameMissing'));
    if (!body.scopes.length) errors.set('scopes', t('admin.keys.scopesMissing'));
    if (errors.focusFirst()) return;
    withBusy(submit, async () => {
      try {
        const created = await api.post('/api/admin/api-keys', body, { signal: ctx.signal });
        form.reset();
        createdSlot.replaceChildren(keyNotice(ctx, created));
        createdSlot.querySelector('[data-testid="key-secret"]').focus();
      } catch (err) {
        if (err.name === 'AbortError') return;
        const messageFor = (key, code, message) => (key === 'name' ? t('admin.keys.nameMissing') : message || ownerErrorMessage(err));
        if (errors.fromServer(err, messageFor)) errors.focusFirst();
        else error.textContent = ownerErrorMessage(err);
      }
    });
  });
  return form;
}

function keyNotice(ctx, created) {
  // A textarea, so the whole key shows on a phone (it is longer than a line).
  const secret = h('textarea', {
    readonly: true, rows: '2', spellcheck: 'false', text: created.key, class: 'secret', testid: 'key-secret',
    'aria-label': t('admin.keys.keyLabel'), onfocus: (e) => e.target.select(),
  });
  const copied = h('span', { class: 'hint', role: 'status', testid: 'key-copied' });
  const copy = h('button', {
    type: 'button', class: 'button button-small', testid: 'key-copy', text: t('admin.keys.copy'),
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(created.key);
        copied.textContent = t('admin.keys.copied');
      } catch {
        secret.focus(); // no clipboard access: the key is selected for the owner to copy
        copied.textContent = t('admin.keys.copyManually');
      }
    },
  });
  return h('section', { class: 'card stack notice-success', testid: 'key-created' },
    h('h3', { text: t('admin.keys.createdTitle', { name: created.name }) }),
    notice('warn', t('admin.keys.shownOnce'), { testid: 'key-warning' }),
    secret,
    h('div', { class: 'row-actions' }, copy, copied),
    h('p', { class: 'hint', text: t('admin.keys.docsHint') }),
    h('button', { type: 'button', class: 'button', testid: 'key-done', text: t('admin.hooks.done'), onclick: () => ctx.refresh() }));
}

function endpointRow(ctx, endpoint) {
  const log = h('div', { class: 'hook-log', testid: 'hook-log' });
  const show = h('button', {
    type: 'button', class: 'button button-small', testid: 'hook-show-log', 'aria-expanded': 'false',
    text: t('admin.hooks.showLog'),
    onclick: () => withBusy(show, async () => {
      const open = show.getAttribute('aria-expanded') === 'true';
      show.setAttribute('aria-expanded', String(!open));
      if (open) { log.replaceChildren(); return; }
      try {
        const { deliveries } = await api.get(`/api/admin/webhooks/${endpoint.id}/deliveries`, { signal: ctx.signal });
        log.replaceChildren(deliveryTable(deliveries));
      } catch (err) {
        if (err.name !== 'AbortError') log.replaceChildren(notice('error', errorMessage(err)));
      }
    }),
  });
  const disable = endpoint.disabled_at ? null : h('button', {
    type: 'button', class: 'button button-small button-ghost', testid: 'hook-disable', text: t('admin.hooks.disable'),
    onclick: () => {
      if (!window.confirm(t('admin.hooks.disableConfirm', { url: endpoint.url }))) return;
      withBusy(disable, async () => {
        try {
          await api.post(`/api/admin/webhooks/${endpoint.id}/disable`, {}, { signal: ctx.signal });
          ctx.refresh();
        } catch (err) {
          if (err.name !== 'AbortError') log.replaceChildren(notice('error', errorMessage(err)));
        }
      });
    },
  });
  return h('li', { class: 'hook-item stack', testid: 'hook-item', 'data-hook-id': String(endpoint.id) },
    h('p', { class: 'hook-url', text: endpoint.url }),
    endpoint.description ? h('p', { class: 'hint', text: endpoint.description }) : null,
    h('p', { class: 'hint', text: endpoint.events.map((e) => t(`admin.hooks.event.${e}`)).join(', ') }),
    endpoint.disabled_at
      ? h('p', { class: 'chip', testid: 'hook-disabled', text: t('admin.hooks.disabled') })
      : null,
    h('div', { class: 'row-actions' }, show, disable),
    log);
}

function deliveryTable(deliveries) {
  if (!deliveries.length) return h('p', { class: 'hint', text: t('admin.hooks.noDeliveries') });
  return h('table', { class: 'data-table', testid: 'hook-deliveries' },
    h('thead', {}, h('tr', {}, ['when', 'event', 'result'].map((k) => h('th', { scope: 'col', text: t(`admin.hooks.col.${k}`) })))),
    h('tbody', {}, deliveries.map((d) => h('tr', { 'data-status': d.status },
      h('td', { text: formatDateTime(d.created_at) }),
      h('td', { text: t(`admin.hooks.event.${d.event}`) }),
      h('td', { text: result(d) })))));
}

function result(d) {
  const code = d.response_status ? ` (${d.response_status})` : '';
  if (d.status === 'delivered') return `${t('admin.hooks.status.delivered')}${code}`;
  if (d.status === 'failed') return `${t('admin.hooks.status.failed')}${code}: ${d.last_error || ''}`;
  const retry = d.attempts ? ` · ${t('admin.hooks.retryAt', { when: formatDateTime(d.next_attempt_at) })}` : '';
  return `${t('admin.hooks.status.pending')}${code}${retry}`;
}

function addForm(ctx, events, createdSlot) {
  const url = field({
    label: t('admin.hooks.url'),
    hint: t('admin.hooks.urlHint'),
    input: h('input', { type: 'url', inputmode: 'url', autocomplete: 'off', required: true, testid: 'hook-url', placeholder: 'https://' }),
  });
  const description = field({
    label: t('admin.hooks.description'),
    input: h('input', { type: 'text', maxlength: '120', testid: 'hook-description' }),
  });
  const boxes = events.map((event) => {
    const box = checkbox({ label: t(`admin.hooks.event.${event}`), testid: `hook-event-${event}`, checked: true });
    box.input.value = event;
    return box;
  });
  const error = h('div', { class: 'form-error', role: 'alert', testid: 'hook-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary', testid: 'hook-submit', text: t('admin.hooks.add') });
  const form = h('form', { class: 'card stack', novalidate: true },
    h('h2', { text: t('admin.hooks.addTitle') }),
    url.row, description.row,
    h('fieldset', { class: 'fieldset' }, h('legend', { text: t('admin.hooks.events') }), boxes.map((b) => b.row)),
    error, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    withBusy(submit, async () => {
      try {
        const body = {
          url: url.input.value.trim(),
          description: description.input.value.trim(),
          events: boxes.filter((b) => b.input.checked).map((b) => b.input.value),
        };
        const created = await api.post('/api/admin/webhooks', body, { signal: ctx.signal });
        form.reset();
        createdSlot.replaceChildren(secretNotice(created));
        createdSlot.querySelector('[data-testid="hook-secret"]').focus();
      } catch (err) {
        if (err.name === 'AbortError') return;
        error.textContent = errorMessage(err);
        (err.field === 'events' ? boxes[0].input : url.input).focus();
      }
    });
  });
  return form;
}

function secretNotice(created) {
  return h('section', { class: 'card stack notice-success', testid: 'hook-created' },
    h('h2', { text: t('admin.hooks.createdTitle') }),
    h('p', { text: t('admin.hooks.secretOnce') }),
    h('input', { type: 'text', readonly: true, value: created.secret, class: 'secret', testid: 'hook-secret', onfocus: (e) => e.target.select() }),
    h('p', { class: 'hint', text: t('admin.hooks.signatureHelp') }),
    h('a', { class: 'button', href: '/admin/integrations', text: t('admin.hooks.done') }));
}
