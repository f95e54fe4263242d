// The campaign's channel: Beste kanal (push where the member's phone takes it, else e-mail, else
// SMS), or one channel. A channel this installation cannot send by is shown disabled with the
// reason, so the owner knows it exists and what is missing.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { formatNok } from './common.js';

export const CHOICES = ['best', 'push', 'email', 'sms'];

/** The channels the options say this installation can send by (an older server: push only). */
export function availableChannels(opts) {
  const c = opts && opts.channels;
  return c ? c.available || [] : ['push'];
}

/** "best" is there when any channel is; a single channel when it is available. */
export function isAvailable(opts, choice) {
  const available = availableChannels(opts);
  return choice === 'best' ? available.length > 0 : available.includes(choice);
}

/** What a new draft starts with: best when it can be used, else the first channel that can. */
export function defaultChannel(opts) {
  const choices = (opts && opts.channels && opts.channels.choices) || ['push'];
  return CHOICES.filter((c) => choices.includes(c)).find((c) => isAvailable(opts, c)) || 'push';
}

/** Which channels a choice may send by: best may use all three. */
export function channelsOf(choice) {
  return choice === 'best' ? ['push', 'email', 'sms'] : [choice];
}

/** channelPicker(d, opts, onChange) → {element, error}: radio cards, one per choice. */
export function channelPicker(d, opts, onChange) {
  const choices = (opts.channels && opts.channels.choices) || ['push'];
  const price = opts.channels ? formatNok(opts.channels.sms_nok_per_segment) : '';
  const group = h('div', { class: 'radio-cards channel-cards', role: 'radiogroup', 'aria-labelledby': 'channel-h' },
    CHOICES.filter((c) => choices.includes(c)).map((value) => choiceCard(d, opts, value, price, onChange)));
  const error = h('p', { class: 'field-error', id: 'error-channel', role: 'alert', testid: 'error-channel' });
  const element = h('section', { class: 'card', testid: 'channel-picker' },
    h('h2', { id: 'channel-h', text: t('admin.channel.title') }),
    h('p', { class: 'hint', text: t('admin.channel.lead') }),
    group, error);
  return { element, error };
}

function choiceCard(d, opts, value, price, onChange) {
  const id = `channel-${value}`;
  const ok = isAvailable(opts, value);
  const input = h('input', {
    type: 'radio', name: 'channel', id, value, checked: d.channel === value, disabled: !ok,
    testid: id, 'aria-describedby': `${id}-hint`,
  });
  input.addEventListener('change', () => { if (input.checked) { d.channel = value; onChange(value); } });
  const hint = ok ? t(`admin.channel.${value}Hint`, { price }) : t(`admin.channel.unavailable.${value}`);
  return h('div', { class: ['check', 'radio-card', ok ? null : 'is-disabled'], testid: `${id}-card` }, input,
    h('div', { class: 'check-text' },
      h('label', { for: id, text: t(`admin.channel.${value}`) }),
      h('span', { class: ok ? 'hint' : 'hint channel-off', id: `${id}-hint`, testid: `${id}-hint`, text: hint })));
}
