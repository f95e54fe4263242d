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

// `d` holds what the page's parts share: the screen, the period picker's inputs, buttons and lines,
// the cards' grid and the charts drawn in it, and how many loads were started (only the latest draws).
export async function render(ctx) {
  ctx.setTitle(t('admin.dash.title'));
  ctx.main.classList.add('view-wide');
  const d = { ctx, charts: [], loads: 0 };
  ctx.onCleanup(() => disposeCharts(d));
  const picker = periodPicker(d);
  d.content = h('div', { class: 'dash-grid', testid: 'dash-content' });
  d.page = h('div', { class: 'dash' },
    h('div', { class: 'admin-head' }, pageTitle(t('admin.dash.title')), h('p', { class: 'lead', text: t('admin.dash.lead') })),
    picker, d.content);
  ctx.main.append(d.page);
  await load(d, { from: ctx.query.get('from') || '', to: ctx.query.get('to') || '' });
}

function disposeCharts(d) {
  for (const c of d.charts) c.dispose();
  d.charts = [];
}

// ---- the period: presets, own dates, and the line that says what is shown

function periodPicker(d) {
  const { ctx } = d;
  d.fromInput = h('input', { type: 'date', name: 'from', id: 'dash-from', testid: 'dash-from', required: true, value: ctx.query.get('from') || '' });
  d.toInput = h('input', { type: 'date', name: 'to', id: 'dash-to', testid: 'dash-to', required: true, value: ctx.query.get('to') || '' });
  d.periodError = h('div', { class: 'dash-period-error' });
  d.periodText = h('p', { class: 'dash-period-text', role: 'status', testid: 'dash-period-text' });
  d.presetButtons = PRESETS.map((days) => h('button', {
    type: 'button', class: 'button button-small dash-preset', testid: `dash-period-${days}`, 'aria-pressed': 'false',
    dataset: { days: String(days) }, text: t('admin.dash.days', { n: days }), 'aria-label': t('admin.dash.lastDays', { n: days }),
    onclick: () => load(d, { from: osloDate(-(days - 1)), to: osloDate() }, { push: true }),
  }));
  const form = customForm(d);
  // Own dates fold away on a phone; they stay open while the period is not a preset.
  d.custom = h('details', { class: 'dash-custom-box', open: Boolean(ctx.query.get('from') || ctx.query.get('to')) },
    h('summary', { testid: 'dash-period-custom-toggle', text: t('admin.dash.custom') }), form);
  return h('section', { class: 'card dash-period', testid: 'dash-period', 'aria-labelledby': 'dash-period-h' },
    h('h2', { id: 'dash-period-h', text: t('admin.dash.period') }),
    h('div', { class: 'dash-presets', role: 'group', 'aria-labelledby': 'dash-period-h' }, d.presetButtons),
    d.custom, d.periodError, d.periodText);
}

function customForm(d) {
  const { fromInput, toInput } = d;
  const form = h('form', { class: 'dash-custom', novalidate: true, testid: 'dash-period-custom' },
    h('div', { class: 'field' }, h('label', { for: 'dash-from', text: t('admin.dash.from') }), fromInput),
    h('div', { class: 'field' }, h('label', { for: 'dash-to', text: t('admin.dash.to') }), toInput),
    h('button', { type: 'submit', class: 'button button-primary button-small', testid: 'dash-period-apply', text: t('admin.dash.apply') }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!fromInput.value || !toInput.value) {
      showPeriodError(d, t('admin.dash.err.missing'), !fromInput.value ? fromInput : toInput);
      return;
    }
    load(d, { from: fromInput.value, to: toInput.value }, { push: true });
  });
  return form;
}

function showPeriodError(d, text, input) {
  d.periodError.replaceChildren(notice('error', text, { testid: 'dash-period-error' }));
  for (const el of [d.fromInput, d.toInput]) el.removeAttribute('aria-invalid');
  if (input) { input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', 'dash-period-error-text'); d.custom.open = true; }
  d.periodError.firstChild.id = 'dash-period-error-text';
}

/** The period as the server answered it: in the inputs, on the pressed preset, in words. */
function showPeriod(d, data, today) {
  const { from, to, days } = data.period;
  d.periodError.replaceChildren();
  for (const el of [d.fromInput, d.toInput]) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
  d.fromInput.value = from;
  d.toInput.value = to;
  let preset = false;
  for (const b of d.presetButtons) {
    const pressed = to === today && Number(b.dataset.days) === days;
    b.setAttribute('aria-pressed', String(pressed));
    preset ||= pressed;
  }
  if (!preset) d.custom.open = true;
  d.periodText.textContent = `${t('admin.dash.showing', { from: dayLong(from), to: dayLong(to), n: days })} ${t('admin.dash.asOf', { time: formatDateTime(data.as_of) })}`;
}

// ---- the numbers for a period

async function load(d, q, { push = false } = {}) {
  const { ctx, content } = d;
  const seq = ++d.loads;
  content.setAttribute('aria-busy', 'true');
  const params = new URLSearchParams();
  if (q.from) params.set('from', q.from);
  if (q.to) params.set('to', q.to);
  const query = params.toString();
  let data;
  try {
    data = await api.get(`/api/admin/dashboard${query ? `?${query}` : ''}`, { signal: ctx.signal });
  } catch (err) {
    if (seq !== d.loads) return;
    content.removeAttribute('aria-busy');
    loadFailed(d, q, err);
    return;
  }
  if (seq !== d.loads || ctx.signal.aborted) return;
  const { from, to, days } = data.period;
  if (push) history.pushState(null, '', `${PATH}?${new URLSearchParams({ from, to })}`);
  const today = osloDate();
  showPeriod(d, data, today);

  disposeCharts(d);
  const drawn = dashboardCards(data, { today });
  d.charts = drawn.charts;
  content.replaceChildren(...drawn.nodes);
  Object.assign(content.dataset, { from, to, days: String(days) });
  content.removeAttribute('aria-busy');
}

/** A period the server refuses is said at the picker (the cards shown stay); anything else in the grid. */
function loadFailed(d, q, err) {
  const { ctx, content } = d;
  if (handleOwnerError(ctx, err, d.page)) return;
  if (err.status === 400 && has(`admin.dash.err.${err.code}`)) {
    const field = err.body && err.body.field;
    showPeriodError(d, t(`admin.dash.err.${err.code}`, { n: (err.body && err.body.max_days) || 366 }), field === 'to' ? d.toInput : d.fromInput);
    if (!content.dataset.from) content.replaceChildren();
    return;
  }
  content.replaceChildren(notice('error', errorMessage(err), { testid: 'admin-error' }),
    h('button', { type: 'button', class: 'button', text: t('common.retry'), onclick: () => load(d, q) }));
}
