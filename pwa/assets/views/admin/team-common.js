// Shared by the stores-and-staff screens: the first load, role and status words,
// opening hours in words, and a small yes/no confirm box.

import { h } from '../../dom.js';
import { formatDate, t } from '../../i18n.js';
import { withBusy } from '../../ui.js';
import { loadOwnerScreen } from './common.js';
import { ownerErrorMessage } from './form-errors.js';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
export const ROLES = ['staff', 'manager', 'owner'];

/** A stores-and-staff screen's first load (see loadOwnerScreen); a store or account that is not
 * there (404) says so, with the way back. */
export function loadTeamScreen(ctx, wait, fetcher, titleKey, backHref = '/admin/stores') {
  return loadOwnerScreen(ctx, wait, fetcher, {
    title: t(titleKey),
    missing: { text: t('team.missing'), href: backHref, link: t('team.backToStores') },
  });
}

export function backLink(href = '/admin/stores', key = 'team.backToStores') {
  return h('p', { class: 'back-link' }, h('a', { href, text: t(key) }));
}

export function roleName(role) { return t(`team.role.${role}`); }

export function statusChip(status) {
  const kind = { active: 'sent', disabled: 'cancelled', reset_pending: 'scheduled' }[status] || 'scheduled';
  return h('span', { class: ['chip', `chip-${kind}`], testid: 'staff-status', dataset: { status }, text: t(`team.status.${status}`) });
}

/** "Man–fre 07:00–18:00, lør 09:00–16:00, søn stengt": equal days run together. */
export function hoursSummary(hours) {
  const days = WEEKDAYS.map((d) => ({ d, text: dayText(hours && hours[d]) }));
  const parts = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1].text === days[i].text) j += 1;
    const name = i === j ? t(`team.day.short.${days[i].d}`) : `${t(`team.day.short.${days[i].d}`)}–${t(`team.day.short.${days[j].d}`)}`;
    parts.push(`${name} ${days[i].text}`);
    i = j + 1;
  }
  return parts.join(', ');
}

function dayText(intervals) {
  if (!intervals || !intervals.length) return t('team.closed');
  return intervals.map((x) => `${x.opens}–${x.closes}`).join(` ${t('team.and')} `);
}

export function untilText(iso) {
  return formatDate(iso, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/**
 * A confirm box: `text`, a dangerous yes-button and a no-button. `onYes` runs busy;
 * it returns nothing or throws (the error shows in the box).
 */
export function confirmBox({ testid, title, text, yes, no, onYes, onNo, extra }) {
  const error = h('p', { class: 'form-error', role: 'alert', testid: `${testid}-error` });
  const yesButton = h('button', { type: 'button', class: 'button button-warn button-block', testid: `${testid}-yes`, text: yes });
  const noButton = h('button', { type: 'button', class: 'button button-ghost button-block', testid: `${testid}-no`, text: no, onclick: onNo });
  yesButton.addEventListener('click', () => withBusy(yesButton, async () => {
    error.textContent = '';
    try { await onYes(); } catch (err) {
      if (err && err.name === 'AbortError') return;
      error.textContent = ownerErrorMessage(err);
    }
  }));
  const heading = h('h2', { tabindex: '-1', text: title });
  const box = h('section', { class: 'card confirm', testid, role: 'group', 'aria-label': title },
    heading, h('p', { text }), extra || null, error, h('div', { class: 'confirm-actions' }, yesButton, noButton));
  queueMicrotask(() => heading.focus());
  return box;
}
