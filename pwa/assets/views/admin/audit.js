// /admin/audit: unusual activity at the top, then the ledger newest first with
// filters (store, staff, member number, action, days on an Oslo clock) kept in
// the address, so an alert can link to the rows behind it. A stamp can be
// voided with a reason after a confirm step (one Idempotency-Key per attempt,
// reused when the owner taps "Ja" again after an error).

import { field, h } from '../../dom.js';
import { errorMessage, formatDateTime, getLang, t } from '../../i18n.js';
import { api, newIdempotencyKey } from '../../api.js';
import { formatMemberNumber, loading, notice, pageTitle, withBusy } from '../../ui.js';
import { osloToInstant } from '../../oslo-time.js';
import { handleOwnerError, loadOwnerScreen } from './common.js';

const FILTERS = ['store', 'staff', 'member', 'action', 'from', 'to', 'since'];

export async function render(ctx) {
  ctx.setTitle(t('admin.audit.title'));
  const wait = loading();
  ctx.main.append(wait);
  const q = Object.fromEntries(FILTERS.map((k) => [k, ctx.query.get(k) || '']));
  const loaded = await loadOwnerScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/audit/filters', { signal }),
    api.get('/api/admin/alerts', { signal }),
  ]), { title: t('admin.audit.title') });
  if (!loaded) return;
  const [options, alerts] = loaded;
  const flash = h('div', { class: 'audit-flash' });
  const list = h('ul', { class: 'audit-list card', testid: 'audit-list' });
  const more = h('button', { type: 'button', class: 'button button-block', testid: 'audit-more', hidden: true, text: t('admin.audit.more') });
  const listError = h('div');
  wait.replaceWith(
    h('div', { class: 'admin-head' }, pageTitle(t('admin.audit.title')), h('p', { class: 'lead', text: t('admin.audit.lead') })),
    alertSection(alerts.alerts || [], options),
    filterForm(ctx, q, options),
    csvExport(q),
    flash, listError, list, more);

  let cursor = null;
  async function load(reset) {
    const params = apiParams(q);
    if (!reset && cursor) params.set('before', String(cursor));
    try {
      const page = await api.get(`/api/admin/audit?${params}`, { signal: ctx.signal });
      if (reset) list.replaceChildren();
      listError.replaceChildren();
      list.append(...page.entries.map((e) => auditRow(ctx, e, onVoided)));
      if (reset && !page.entries.length) list.append(h('li', { class: 'muted audit-empty', testid: 'audit-empty', text: t('admin.audit.empty') }));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (err) {
      if (handleOwnerError(ctx, err, list)) return;
      listError.replaceChildren(notice('error', errorMessage(err), { testid: 'admin-error' }));
    }
  }
  function onVoided(result) {
    flash.replaceChildren(notice('success', voidedText(result), { testid: 'audit-flash' }));
    load(true);
  }
  more.addEventListener('click', () => withBusy(more, () => load(false)));
  await load(true);
}

// The filtered trail as a spreadsheet for the accountant: the same filters, every page.
function csvExport(q) {
  const params = apiParams(q);
  params.set('lang', getLang());
  return h('p', { class: 'audit-export' },
    h('a', { class: 'csv-link', href: `/api/admin/audit.csv?${params}`, download: '', testid: 'audit-csv', text: t('admin.audit.csv') }));
}

function apiParams(q) {
  const params = new URLSearchParams();
  for (const key of ['store', 'staff', 'member', 'action', 'since']) if (q[key]) params.set(key, q[key]);
  const from = q.from && osloToInstant(q.from, '00:00');
  if (from && from.iso) params.set('since', from.iso);
  if (q.to) {
    const d = new Date(`${q.to}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    const end = osloToInstant(d.toISOString().slice(0, 10), '00:00');
    if (end.iso) params.set('until', end.iso);
  }
  return params;
}

function voidedText(r) {
  const parts = [t('admin.audit.voided', { n: r.stamps_voided })];
  for (const reward of r.revoked) parts.push(t('admin.audit.rewardRevoked', { title: reward.title }));
  for (const reward of r.kept) parts.push(t(`admin.audit.rewardKept.${reward.status}`, { title: reward.title }));
  return parts.join(' ');
}

function alertSection(alerts, options) {
  return h('section', { class: 'card', 'aria-labelledby': 'alerts-h', testid: 'audit-alerts' },
    h('h2', { id: 'alerts-h', text: t('admin.alerts.title') }),
    alerts.length
      ? h('ul', { class: 'alert-list' }, alerts.map((a) => h('li', { class: 'alert-item', testid: 'alert-item', dataset: { kind: a.kind } },
        h('p', { class: 'alert-text', text: alertText(a) }),
        // An alert with no audit rows behind it (the SMS budget) has nothing to show.
        Object.keys(a.audit).length
          ? h('a', { href: `/admin/audit?${new URLSearchParams(a.audit)}`, testid: 'alert-show', text: t('admin.alerts.show') })
          : null)))
      : h('p', { class: 'muted', testid: 'alerts-none', text: t('admin.alerts.none') }),
    h('p', { class: 'hint', text: t('admin.alerts.hint') }));
}

function alertText(a) {
  const who = a.staff ? a.staff.name : '';
  const store = a.store ? a.store.name : '';
  if (a.kind === 'staff_rate') return t('admin.alerts.staffRate', { who, store, n: a.count, usual: Math.round(a.usual) });
  if (a.kind === 'daily_cap') {
    return t('admin.alerts.dailyCap', { member: memberLabel(a.member), n: a.days });
  }
  if (a.kind === 'sms_budget') return t('admin.alerts.smsBudget', { n: a.count, budget: Math.round(a.usual) });
  return t('admin.alerts.manual', { who, store, n: a.count });
}

function memberLabel(m) {
  const number = formatMemberNumber(m.member_number);
  return m.first_name ? `${m.first_name} (${number})` : number;
}

function filterForm(ctx, q, options) {
  const select = (name, items, testid, allKey) => h('select', { name, testid },
    h('option', { value: '', text: t(allKey) }),
    items.map((x) => h('option', { value: String(x.id ?? x), selected: String(x.id ?? x) === q[name], text: x.name ?? t(`admin.audit.action.${x}`) })));
  const store = field({ label: t('admin.audit.store'), input: select('store', options.stores, 'audit-filter-store', 'admin.audit.allStores') });
  const staff = field({ label: t('admin.audit.staff'), input: select('staff', options.staff, 'audit-filter-staff', 'admin.audit.allStaff') });
  const action = field({ label: t('admin.audit.action'), input: select('action', options.actions, 'audit-filter-action', 'admin.audit.allActions') });
  const member = field({
    label: t('admin.audit.member'),
    input: h('input', { name: 'member', inputmode: 'numeric', autocomplete: 'off', value: q.member, testid: 'audit-filter-member' }),
  });
  const from = field({ label: t('admin.audit.from'), input: h('input', { type: 'date', name: 'from', value: q.from, testid: 'audit-filter-from' }) });
  const to = field({ label: t('admin.audit.to'), input: h('input', { type: 'date', name: 'to', value: q.to, testid: 'audit-filter-to' }) });
  // Folded away on a phone until the owner asks for it, open while a filter is in use.
  const active = FILTERS.some((k) => q[k]);
  const form = h('form', { class: 'card audit-filters', testid: 'audit-filters' },
    h('details', { open: active },
      h('summary', { class: 'audit-filters-toggle', testid: 'audit-filters-toggle', text: t(active ? 'admin.audit.filtersOn' : 'admin.audit.filters') }),
      h('div', { class: 'audit-filter-grid' }, store.row, staff.row, member.row, action.row, from.row, to.row),
      q.since ? h('p', { class: 'hint', testid: 'audit-filter-since', text: t('admin.audit.since', { time: formatDateTime(q.since) }) }) : null,
      h('div', { class: 'row-actions' },
        h('button', { type: 'submit', class: 'button button-primary', testid: 'audit-filter-apply', text: t('admin.audit.apply') }),
        h('a', { href: '/admin/audit', class: 'button button-ghost', testid: 'audit-filter-clear', text: t('admin.audit.clear') }))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    ctx.navigate(`/admin/audit${params.size ? `?${params}` : ''}`);
  });
  return form;
}

function actionTitle(e) {
  const n = Math.abs(e.stamps);
  if (e.action === 'stamp' || e.action === 'bonus' || e.action === 'void' || e.action === 'undo') {
    return t(`admin.audit.row.${e.action}`, { n });
  }
  return t(`admin.audit.action.${e.action}`) + (e.reward ? `: ${e.reward.title}` : '');
}

function auditRow(ctx, e, onVoided) {
  const who = [e.staff ? e.staff.name : t(`admin.audit.role.${e.actor_role}`), e.store && e.store.name].filter(Boolean).join(' · ');
  const row = h('li', { class: ['audit-item', `audit-${e.action}`], testid: 'audit-item', dataset: { entryId: String(e.id), action: e.action } },
    h('div', { class: 'audit-main' },
      h('p', { class: 'audit-title' },
        h('span', { text: actionTitle(e) }),
        e.voided_by ? h('span', { class: 'chip chip-cancelled', testid: 'audit-voided', text: t('admin.audit.isVoided') }) : null),
      h('p', { class: 'audit-member', text: memberLabel(e.member) }),
      e.reason && e.reason !== 'visit' ? h('p', { class: 'audit-reason', testid: 'audit-reason', text: `«${e.reason}»` }) : null,
      h('p', { class: 'audit-meta muted' },
        h('time', { datetime: e.at, text: formatDateTime(e.at) }), who ? h('span', { text: ` · ${who}` }) : null)));
  if (e.voidable) {
    const open = h('button', { type: 'button', class: 'button button-small', testid: 'audit-void', text: t('admin.audit.void') });
    open.addEventListener('click', () => {
      open.hidden = true;
      row.append(voidBox(ctx, e, () => { open.hidden = false; }, onVoided));
    });
    row.append(open);
  }
  return row;
}

function voidBox(ctx, e, onCancel, onVoided) {
  let key = newIdempotencyKey(); // one per attempt; reused on retry after an error
  const reason = h('textarea', { rows: 2, maxlength: 200, 'aria-required': 'true', testid: 'audit-void-reason' });
  const reasonField = field({ label: t('admin.audit.voidReason'), hint: t('admin.audit.voidReasonHint'), input: reason });
  const error = h('p', { class: 'field-error', role: 'alert', testid: 'audit-void-error' });
  reason.addEventListener('input', () => { key = newIdempotencyKey(); error.textContent = ''; });
  const confirm = h('button', { type: 'submit', class: 'button button-warn', testid: 'audit-void-confirm', text: t('admin.audit.voidConfirm', { n: e.stamps }) });
  const box = h('form', { class: 'confirm audit-void-box stack', testid: 'audit-void-box' },
    h('p', { class: 'audit-void-text', text: t('admin.audit.voidExplain') }),
    reasonField.row, error,
    h('div', { class: 'row-actions' }, confirm,
      h('button', {
        type: 'button', class: 'button button-ghost', testid: 'audit-void-cancel', text: t('admin.audit.voidCancel'),
        onclick: () => { box.remove(); onCancel(); },
      })));
  box.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (reason.value.trim().length < 3) {
      error.textContent = t('admin.audit.voidReasonShort');
      reason.focus();
      return;
    }
    withBusy(confirm, async () => {
      try {
        const result = await api.post('/api/admin/voids', { entry_id: e.id, reason: reason.value.trim() },
          { idempotencyKey: key, signal: ctx.signal });
        onVoided(result);
      } catch (err) {
        if (err.name === 'AbortError') return;
        error.textContent = errorMessage(err);
      }
    });
  });
  queueMicrotask(() => reason.focus());
  return box;
}
