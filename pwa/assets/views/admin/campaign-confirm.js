// The last step before a campaign is created: "Sende til 12 medlemmer nå?" or
// "Planlegge til onsdag 25. november kl. 10:00?", with what happens to quiet
// hours and early access, the channel (and what the SMS cost), and the yes/back buttons.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { formatNok, formatWhenLong, listOf, tierName } from './common.js';

export function confirmPanel({ onBack }) {
  const heading = h('h2', { id: 'confirm-h', tabindex: '-1', testid: 'campaign-confirm-text' });
  const details = h('div', { class: 'confirm-details' });
  const error = h('p', { class: 'field-error', role: 'alert', testid: 'campaign-confirm-error' });
  const yes = h('button', { type: 'button', class: 'button button-primary button-block button-xl', testid: 'campaign-confirm-yes' });
  const no = h('button', { type: 'button', class: 'button button-ghost button-block', testid: 'campaign-confirm-no', text: t('admin.confirm.back') });
  no.addEventListener('click', () => onBack());
  const element = h('section', { class: 'card confirm', hidden: true, testid: 'campaign-confirm', 'aria-labelledby': 'confirm-h' },
    heading, details, error, h('div', { class: 'confirm-actions' }, yes, no));
  let onYes = null;
  yes.addEventListener('click', () => { if (onYes) onYes(yes); });

  /** body: the POST body; reach: the preview answer for it (or null when it could not be had). */
  function open({ body, reach, opts, onYes: fn }) {
    onYes = fn;
    const later = Boolean(body.send_at);
    const moved = reach && reach.moved_by_quiet_hours;
    if (later) heading.textContent = t('admin.confirm.later', { time: formatWhenLong(body.send_at) });
    else if (!reach) heading.textContent = t('admin.confirm.nowUnknown');
    else heading.textContent = t(moved ? 'admin.confirm.nowQuiet' : 'admin.confirm.now', { n: reach.reach });

    const lines = [h('p', { class: 'confirm-message' },
      h('span', { class: 'confirm-message-title', text: body.title }), ' ', h('span', { text: body.body })),
    ...channelLines(body, reach)];
    if (later && reach) lines.push(h('p', { text: t('admin.confirm.laterReach', { n: reach.reach }) }));
    if (moved) lines.push(h('p', { testid: 'confirm-quiet', text: t('admin.confirm.quiet', { time: formatWhenLong(reach.send_at) }) }));
    if (body.early_access && reach && reach.early) {
      lines.push(h('p', { text: t('admin.confirm.early', {
        n: reach.early.reach, tiers: listOf(body.early_access.tiers.map((c) => tierName(opts, c))), time: formatWhenLong(reach.early.send_at),
      }) }));
    }
    if (reach && reach.reach === 0) lines.push(h('p', { class: 'notice notice-warn', text: t('admin.confirm.nobody') }));
    details.replaceChildren(...lines);
    yes.textContent = t(later ? 'admin.confirm.yesLater' : 'admin.confirm.yesNow');
    error.textContent = '';
    element.hidden = false;
    heading.focus({ preventScroll: true });
    element.scrollIntoView({ block: 'center' });
  }

  return {
    element,
    open,
    isOpen: () => !element.hidden,
    close: () => { element.hidden = true; error.textContent = ''; onYes = null; },
    setError: (message) => { error.textContent = message; },
  };
}

/** "Sendes som: Beste kanal – 3 som push-varsel, 2 på e-post og 5 på SMS", and the SMS cost. */
function channelLines(body, reach) {
  const channel = body.channel || 'push';
  const split = channel === 'best' && reach && reach.by_channel && reach.reach
    ? listOf(['push', 'email', 'sms'].filter((c) => reach.by_channel[c]).map((c) => t(`admin.confirm.by.${c}`, { n: reach.by_channel[c] })))
    : '';
  const lines = [h('p', { class: 'confirm-channel', testid: 'confirm-channel', dataset: { channel },
    text: t(split ? 'admin.confirm.channelSplit' : 'admin.confirm.channel', { channel: t(`admin.channel.${channel}`), split }) })];
  if (reach && reach.sms && reach.sms.messages) {
    lines.push(h('p', { testid: 'confirm-sms', text: t('admin.confirm.sms', {
      messages: reach.sms.messages, n: reach.sms.segments, cost: formatNok(reach.sms.cost_nok),
    }) }));
  }
  return lines;
}
