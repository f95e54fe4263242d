// The opening-hours editor: one row per weekday, "Åpent" on or off, up to three
// opening times a day (a lunch break splits a day), and "same as Monday" for the
// weekdays. Midnight closing is typed as 00:00 and sent as "24:00".

import { h, nextId } from '../../dom.js';
import { t } from '../../i18n.js';
import { WEEKDAYS } from './team-common.js';

const MAX_PER_DAY = 3;
const DEFAULT = { opens: '08:00', closes: '16:00' };

export function hoursEditor(initial = {}) {
  const state = Object.fromEntries(WEEKDAYS.map((d) => [d, (initial[d] || []).map((x) => ({
    opens: x.opens, closes: x.closes === '24:00' ? '00:00' : x.closes,
  }))]));
  const rows = h('div', { class: 'hours-rows' });
  const error = h('p', { class: 'field-error', id: nextId('hours-error'), testid: 'error-opening_hours' });
  const root = h('fieldset', { class: 'fieldset hours', testid: 'store-hours', 'aria-describedby': error.id },
    h('legend', { text: t('team.store.hours') }),
    h('p', { class: 'hint', text: t('team.store.hoursHint') }),
    rows,
    h('button', {
      type: 'button', class: 'button button-ghost button-small', testid: 'hours-copy-weekdays', text: t('team.store.copyMonday'),
      onclick: () => {
        for (const d of ['tue', 'wed', 'thu', 'fri']) state[d] = state.mon.map((x) => ({ ...x }));
        draw();
      },
    }),
    error);

  function draw() {
    rows.replaceChildren(...WEEKDAYS.map(dayRow));
  }

  function dayRow(day) {
    const intervals = state[day];
    const openId = nextId('open');
    const open = h('input', {
      type: 'checkbox', id: openId, checked: intervals.length > 0, testid: `hours-${day}-open`,
      onchange: () => {
        state[day] = open.checked ? [{ ...DEFAULT }] : [];
        draw();
        const first = rows.querySelector(`[data-testid="hours-${day}-opens-0"]`);
        if (first) first.focus();
        else rows.querySelector(`[data-testid="hours-${day}-open"]`).focus();
      },
    });
    const dayName = t(`team.day.${day}`);
    const times = intervals.map((x, i) => {
      const opens = h('input', {
        type: 'time', value: x.opens, required: true, testid: `hours-${day}-opens-${i}`,
        'aria-label': t('team.store.opensAt', { day: dayName }), oninput: () => { x.opens = opens.value; },
      });
      const closes = h('input', {
        type: 'time', value: x.closes, required: true, testid: `hours-${day}-closes-${i}`,
        'aria-label': t('team.store.closesAt', { day: dayName }), oninput: () => { x.closes = closes.value; },
      });
      const remove = intervals.length > 1 ? h('button', {
        type: 'button', class: 'button button-ghost button-small hours-remove', testid: `hours-${day}-remove-${i}`,
        'aria-label': t('team.store.removeTime', { day: dayName }), text: '×',
        onclick: () => { intervals.splice(i, 1); draw(); },
      }) : null;
      return h('div', { class: 'hours-interval' }, opens, h('span', { 'aria-hidden': 'true', text: '–' }), closes, remove);
    });
    const add = intervals.length && intervals.length < MAX_PER_DAY ? h('button', {
      type: 'button', class: 'button-link hours-add', testid: `hours-${day}-add`, text: t('team.store.addTime'),
      onclick: () => {
        const last = intervals[intervals.length - 1];
        intervals.push({ opens: last.closes, closes: last.closes < '22:00' ? '22:00' : '23:59' });
        draw();
      },
    }) : null;
    return h('div', { class: 'hours-day', dataset: { day } },
      h('div', { class: 'check hours-toggle' }, open, h('label', { for: openId, text: dayName }),
        intervals.length ? null : h('span', { class: 'hours-state', text: t('team.closed') })),
      intervals.length ? h('div', { class: 'hours-times' }, times, add) : null);
  }

  draw();
  return {
    root,
    error,
    value() {
      return Object.fromEntries(WEEKDAYS.map((d) => [d, state[d].map((x) => ({
        opens: x.opens, closes: x.closes === '00:00' ? '24:00' : x.closes,
      }))]));
    },
    /** Marks the day the server named ("opening_hours.sat"), or the whole editor. */
    showError(message, field) {
      error.textContent = message;
      const day = String(field || '').split('.')[1];
      const target = day && rows.querySelector(`[data-day="${day}"] input[type="time"]`);
      (target || rows.querySelector('input')).focus();
    },
    clearError() { error.textContent = ''; },
  };
}
