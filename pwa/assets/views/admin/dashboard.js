// /admin/dashboard?from=YYYY-MM-DD&to=YYYY-MM-DD: the owner's numbers for a
// period of Oslo days (default: the last 30). The period lives in the address,
// so a reload or a shared link shows the same numbers; choosing another one
// pushes a new address and redraws the cards in place (back/forward re-render
// from the address). The cards themselves are in dashboard-cards.js.

import { h } from '../../dom.js';
import { errorMessage, formatDateTime, has, t } from '../../i18n.js';
import { api } from '../../api.js';
import { notice, pageTitle } from '../../ui.js';
import { osloDate } from '../../oslo-time.js';
import { handleOwnerError } from './common.js';
import { dashboardCards, dayLong } from './dashboard-cards.js';

const PRESETS = [7, 30, 90, 365];
const PATH = '/admin/dashboard';

export async function render(ctx) {
  ctx.setTitle(t('admin.dash.title'));
  ctx.main.classList.add('view-wide');
  let charts = [];
  const disposeCharts = () => { for (const c of charts) c.dispose(); charts = []; };
  ctx.onCleanup(disposeCharts);

  const fromInput = h('input', { type: 'date', name: 'from', id: 'dash-from', testid: 'dash-from', required: true, value: ctx.query.get('from') || '' });
  const toInput = h('input', { type: 'date', name: 'to', id: 'dash-to', testid: 'dash-to', required: true, value: ctx.query.get('to') || '' });
  const periodError = h('div', { class: 'dash-period-error' });
  const periodText = h('p', { class: 'dash-period-text', role: 'status', testid: 'dash-period-text' });
  const presetButtons = PRESETS.map((days) => h('button', {
    type: 'button', class: 'button button-small dash-preset', testid: `dash-period-${days}`, 'aria-pressed': 'false',
    dataset: { days: String(days) }, text: t('admin.dash.days', { n: days }), 'aria-label': t('admin.dash.lastDays', { n: days }),
    onclick: () => load({ from: osloDate(-(days - 1)), to: osloDate() }, { push: true }),
  }));
  const form = h('form', { class: 'dash-custom', novalidate: true, testid: 'dash-period-custom' },
    h('div', { class: 'field' }, h('label', { for: 'dash-from', text: t('admin.dash.from') }), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'dash-to', text: t('admin.dash.to') }), toInput),
    h('button', { type: 'submit', class: 'button button-primary button-small', testid: 'dash-period-apply', text: t('admin.dash.apply') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!fromInput.value || !toInput.value) {
      showPeriodError(t('admin.dash.err.missing'), !fromInput.value ? fromInput : toInput);
      return;
    }
    load({ from: fromInput.value, to: toInput.value }, { push: true });
  });

  // Own dates fold away on a phone; they stay open while the period is not a preset.
  const custom = h('details', { class: 'dash-custom-box', open: Boolean(ctx.query.get('from') || ctx.query.get('to')) },
    h('summary', { testid: 'dash-period-custom-toggle', text: t('admin.dash.custom') }), form);
  const picker = h('section', { class: 'card dash-period', testid: 'dash-period', 'aria-labelledby': 'dash-period-h' },
    h('h2', { id: 'dash-period-h', text: t('admin.dash.period') }),
    h('div', { class: 'dash-presets', role: 'group', 'aria-labelledby': 'dash-period-h' }, presetButtons),
    custom, periodError, periodText);
  const content = h('div', { class: 'dash-grid', testid: 'dash-content' });
  const page = h('div', { class: 'dash' },
    h('div', { class: 'admin-head' }, pageTitle(t('admin.dash.title')), h('p', { class: 'lead', text: t('admin.dash.lead') })),
    picker, content);
  ctx.main.append(page);

  function showPeriodError(text, input) {
    periodError.replaceChildren(notice('error', text, { testid: 'dash-period-error' }));
    for (const el of [fromInput, toInput]) el.removeAttribute('aria-invalid');
    if (input) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', 'dash-period-error-text'); custom.open = true; }
    periodError.firstChild.id = 'dash-period-error-text';
  }

  let loads = 0;
  async function load(q, { push = false } = {}) {
    const seq = ++loads;
    content.setAttribute('aria-busy', 'true');
    const params = new URLSearchParams();
    if (q.from) params.set('from', q.from);
    if (q.to) params.set('to', q.to);
    const query = params.toString();
    let data;
    try {
      data = await api.get(`/api/admin/dashboard${query ? `?${query}` : ''}`, { signal: ctx.signal });
    } catch (err) {
      if (seq !== loads) return;
      content.removeAttribute('aria-busy');
      if (handleOwnerError(ctx, err, page)) return;
      if (err.status === 400 && has(`admin.dash.err.${err.code}`)) {
        const field = err.body && err.body.field;
        showPeriodError(t(`admin.dash.err.${err.code}`, { n: (err.body && err.body.max_days) || 366 }), field === 'to' ? toInput : fromInput);
        if (!content.dataset.from) content.replaceChildren();
        return;
      }
      content.replaceChildren(notice('error', errorMessage(err), { testid: 'admin-error' }),
        h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: () => load(q) }));
      return;
    }
    if (seq !== loads || ctx.signal.aborted) return;
    const { from, to, days } = data.period;
    if (push) history.pushState(null, '', `${PATH}?${new URLSearchParams({ from, to })}`);
    periodError.replaceChildren();
    for (const el of [fromInput, toInput]) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
    fromInput.value = from;
    toInput.value = to;
    const today = osloDate();
    let preset = false;
    for (const b of presetButtons) {
      const pressed = to === today && Number(b.dataset.days) === days;
      b.setAttribute('aria-pressed', String(pressed));
      preset ||= pressed;
    }
    if (!preset) custom.open = true;
    periodText.textContent = `${t('admin.dash.showing', { from: dayLong(from), to: dayLong(to), n: days })} ${t('admin.dash.asOf', { time: formatDateTime(data.as_of) })}`;

    disposeCharts();
    const drawn = dashboardCards(data, { today });
    charts = drawn.charts;
    content.replaceChildren(...drawn.nodes);
    Object.assign(content.dataset, { from, to, days: String(days) });
    content.removeAttribute('aria-busy');
  }

  await load({ from: ctx.query.get('from') || '', to: ctx.query.get('to') || '' });
}
