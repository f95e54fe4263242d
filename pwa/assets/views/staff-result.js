// The member panel on the staff screen: who it is, their card, and big action
// buttons. Pure rendering from state; actions are callbacks from staff.js.

import { field, h } from '../dom.js';
import { clockOffParts, errorMessage, t } from '../i18n.js';
import { serverNow } from '../server-clock.js';
import { formatMemberNumber, notice, rewardList, stampCard, tierBadge } from '../ui.js';

// The server's time, so a till whose clock is off offers undo exactly while the server allows it.
export function undoAvailable(scan, now = serverNow()) {
  const last = scan && scan.last_action;
  return Boolean(last && Date.parse(last.undo_until) > now);
}

export function undoLeftText(scan, now = serverNow()) {
  const s = Math.max(0, Math.ceil((Date.parse(scan.last_action.undo_until) - now) / 1000));
  return t('staff.undoLeft', { time: `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` });
}

/** "249,50", "249.5", "1 000" kroner → øre (24950); null when it is not an amount. */
export function parseKroner(text) {
  const clean = String(text || '').replace(/[\s\u00a0]/g, '').replace(/kr$/i, '').replace(',', '.');
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(clean)) return null;
  const [whole, fraction = ''] = clean.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Stamps a purchase gives when the program stamps by amount: one per full `orePerStamp`. */
export function stampsForAmount(ore, orePerStamp) {
  return ore && orePerStamp > 0 ? Math.floor(ore / orePerStamp) : 0;
}

/** message: {kind, parts:[{key, params}]} or {kind:'error', error, retry?} */
export function messageBox(message) {
  if (!message) return null;
  if (message.kind === 'error') {
    // A phone whose clock is off: what is wrong, then (on its own line) what to tell the member.
    const lines = message.error && message.error.code === 'qr_clock_off'
      ? clockOffParts(message.error) : [errorMessage(message.error)];
    return h('div', { class: 'notice notice-error scan-message', role: 'alert', testid: 'scan-message', dataset: { code: (message.error && message.error.code) || '' } },
      lines.map((text, i) => h('p', { class: i === 0 && lines.length > 1 ? 'scan-message-main' : null, text })),
      message.retry ? h('button', { type: 'button', class: 'button button-small', testid: 'staff-retry', text: t('common.retry'), onclick: message.retry }) : null);
  }
  return h('div', { class: ['notice', `notice-${message.kind}`, 'scan-message'], role: 'status', testid: 'scan-message' },
    message.parts.map((p, i) => h('p', { class: i === 0 ? 'scan-message-main' : null, text: t(p.key, p.params) })));
}

/**
 * state: {scan, busy, undoOpen}; actions: {stamp(n), stampAmount(ore), redeem(reward), openUndo(), closeUndo(), undo(reason), reset()}
 */
export function resultPanel(state, actions) {
  const scan = state.scan;
  if (!scan) return null;
  const m = scan.member;
  const card = scan.card;
  const disabled = state.busy;

  const stampButtons = [1, 2].map((n) => h('button', {
    type: 'button', class: 'button button-primary button-xl', testid: `staff-add-${n}`, disabled: disabled || !card,
    text: t('staff.add', { n }), onclick: () => actions.stamp(n),
  }));

  const redeemNote = !scan.can_redeem && scan.rewards.length
    ? h('p', { class: 'hint', id: 'redeem-note', testid: 'redeem-disabled-reason', text: t('staff.cannotRedeem') }) : null;
  const rewards = scan.rewards.length
    ? rewardList(scan.rewards, {
      itemExtra: (r) => h('button', {
        type: 'button', class: 'button button-accent', testid: 'staff-redeem', dataset: { rewardId: String(r.id) },
        disabled: disabled || !scan.can_redeem, 'aria-describedby': scan.can_redeem ? null : 'redeem-note',
        text: t('staff.redeem', { title: r.title }), onclick: () => actions.redeem(r),
      }),
    })
    : h('p', { class: 'muted', text: t('staff.noRewards') });

  return h('section', { class: 'card scan-result', testid: 'scan-result', 'aria-labelledby': 'scan-name' },
    h('div', { class: 'scan-head' },
      h('div', {},
        h('h2', { id: 'scan-name', class: 'scan-name', testid: 'scan-result-name', text: m.first_name || t('staff.anonymous') }),
        h('p', { class: 'muted', testid: 'scan-member-number', text: t('staff.memberNo', { n: formatMemberNumber(m.member_number) }) })),
      tierBadge(m.tier, { testid: 'scan-tier' })),
    scan.method === 'manual' ? notice('info', t('staff.manualMethod'), { live: false, testid: 'scan-manual-note' }) : null,
    card ? stampCard(card, { testidPrefix: 'scan-' }) : notice('info', t('err.no_program'), { live: false, testid: 'scan-no-program' }),
    scan.stamp_basis === 'amount' ? amountForm(state, actions) : h('div', { class: 'action-grid' }, stampButtons),
    h('div', { class: 'staff-rewards' }, h('h3', { text: t('staff.rewardsTitle') }), rewards, redeemNote),
    undoSection(state, actions),
    h('button', { type: 'button', class: 'button button-block', testid: 'staff-new-scan', text: t('staff.newScan'), onclick: actions.reset }));
}

// By amount: the cashier types what the purchase cost and sees the stamps it gives before confirming.
function amountForm(state, actions) {
  const scan = state.scan;
  const per = scan.ore_per_stamp;
  const perText = kroner(per);
  const input = h('input', {
    type: 'text', id: 'staff-amount', inputmode: 'decimal', autocomplete: 'off', enterkeyhint: 'done', placeholder: '0,00',
    testid: 'staff-amount', 'aria-describedby': 'staff-amount-hint staff-amount-gives', class: 'amount-input',
  });
  const gives = h('p', { class: 'amount-gives', id: 'staff-amount-gives', testid: 'staff-amount-gives', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-xl button-block', testid: 'staff-amount-confirm', disabled: true, text: t('staff.amountConfirmEmpty') });
  const update = () => {
    const ore = parseKroner(input.value);
    const n = stampsForAmount(ore, per);
    input.removeAttribute('aria-invalid');
    if (!input.value.trim()) gives.textContent = '';
    else if (ore === null) { gives.textContent = t('staff.amountUnreadable'); input.setAttribute('aria-invalid', 'true'); }
    else if (n < 1) gives.textContent = t('staff.amountTooSmall', { amount: perText });
    else gives.textContent = t('staff.amountGives', { n });
    submit.disabled = state.busy || !scan.card || n < 1;
    submit.textContent = n >= 1 ? t('staff.amountConfirm', { n }) : t('staff.amountConfirmEmpty');
  };
  input.addEventListener('input', update);
  const form = h('form', { class: 'amount-form stack', novalidate: true, testid: 'staff-amount-form' },
    h('div', { class: 'field' },
      h('label', { for: 'staff-amount', text: t('staff.amountLabel') }),
      h('div', { class: 'amount-row' }, input, h('span', { class: 'amount-unit', 'aria-hidden': 'true', text: 'kr' })),
      h('p', { class: 'hint', id: 'staff-amount-hint', text: t('staff.amountHint', { amount: perText }) })),
    gives, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ore = parseKroner(input.value);
    if (stampsForAmount(ore, per) < 1) { update(); input.focus(); return; }
    actions.stampAmount(ore);
  });
  return form;
}

function kroner(ore) {
  const whole = ore % 100 === 0;
  return `${(ore / 100).toFixed(whole ? 0 : 2).replace('.', ',')} kr`;
}

function undoSection(state, actions) {
  const scan = state.scan;
  const wrap = h('div', { class: 'undo', testid: 'undo-section' });
  if (!undoAvailable(scan)) { wrap.hidden = true; return wrap; }
  // staff.js refreshes this text every second via undoLeftText().
  const left = h('p', { class: 'hint undo-left', testid: 'undo-left', text: undoLeftText(scan) });
  if (!state.undoOpen) {
    wrap.append(h('button', {
      type: 'button', class: 'button button-warn', testid: 'staff-undo', disabled: state.busy,
      text: t('staff.undo'), onclick: actions.openUndo,
    }), left);
    return wrap;
  }
  const reason = field({
    label: t('staff.undoReason'),
    hint: t('staff.undoHint'),
    input: h('input', { type: 'text', name: 'reason', minlength: '3', maxlength: '200', required: true, testid: 'staff-undo-reason', autocomplete: 'off' }),
  });
  const error = h('p', { class: 'field-error', role: 'alert' });
  const form = h('form', { class: 'stack undo-form', novalidate: true },
    reason.row, error,
    h('div', { class: 'row-actions' },
      h('button', { type: 'submit', class: 'button button-warn', testid: 'staff-undo-confirm', disabled: state.busy, text: t('staff.undoConfirm') }),
      h('button', { type: 'button', class: 'button button-ghost', testid: 'staff-undo-cancel', text: t('common.cancel'), onclick: actions.closeUndo })),
    left);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = reason.input.value.trim();
    if (value.length < 3) {
      error.textContent = t('staff.undoHint');
      reason.input.setAttribute('aria-invalid', 'true');
      reason.input.focus();
      return;
    }
    actions.undo(value);
  });
  wrap.append(form);
  queueMicrotask(() => reason.input.focus());
  return wrap;
}
