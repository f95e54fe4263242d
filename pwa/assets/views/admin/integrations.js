// /admin/integrations: webhooks to the business's web shop or POS. Add an address and the
// events it wants, copy the signing secret (shown once), follow each endpoint's delivery log.

import { checkbox, field, h } from '../../dom.js';
import { errorMessage, formatDateTime, t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { handleOwnerError } from './common.js';

export async function render(ctx) {
  ctx.setTitle(t('admin.hooks.title'));
  const wait = loading();
  ctx.main.append(wait);
  let data;
  try {
    data = await api.get('/api/admin/webhooks', { signal: ctx.signal });
  } catch (err) {
    if (handleOwnerError(ctx, err, wait)) return;
    wait.replaceWith(notice('error', errorMessage(err), { testid: 'admin-error' }));
    return;
  }
  const created = h('div', { testid: 'hook-created-slot' });
  wait.replaceWith(
    pageTitle(t('admin.hooks.title')),
    h('p', { class: 'lead', text: t('admin.hooks.lead') }),
    created,
    data.endpoints.length
      ? h('ul', { class: 'card hook-list', testid: 'hook-list' }, data.endpoints.map((e) => endpointRow(ctx, e)))
      : h('p', { class: 'card empty-state', testid: 'hooks-empty', text: t('admin.hooks.empty') }),
    addForm(ctx, data.events, created),
  );
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
    const box = checkbox({ label: t(`admin.hooks.event.${event}`), testid: `hook-event-${event}`, checked: event !== 'member.left' });
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
