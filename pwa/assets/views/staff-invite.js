// /staff/invite/{token}: the one-time link from the e-mail. A new person picks a
// username and password; a reset keeps the username. Either way the device is
// logged in afterwards (the till, or the back office for an owner).

import { field, h } from '../dom.js';
import { errorMessage, t } from '../i18n.js';
import { api } from '../api.js';
import { loadInto, loading, notice, pageTitle, withBusy } from '../ui.js';

export async function render(ctx) {
  ctx.setTitle(t('invite.title'));
  const wait = loading();
  ctx.main.append(wait);
  const path = `/api/staff/invites/${encodeURIComponent(ctx.params.token)}`;
  // Used, expired or unknown: this page has only the way to the login to offer, not "Prøv igjen".
  const info = await loadInto(ctx, wait, (signal) => api.get(path, { signal }), {
    handled: (err) => {
      wait.replaceWith(h('section', { class: 'panel stack', testid: 'invite-invalid' },
        pageTitle(t('invite.invalidTitle')),
        notice('error', errorMessage(err), { testid: 'invite-error' }),
        h('p', {}, h('a', { class: 'button', href: '/staff/login', text: t('invite.toLogin') }))));
      return true;
    },
  });
  if (!info) return;
  const reset = info.kind === 'reset';
  const where = info.store ? `${info.business} – ${info.store.name}` : info.business;
  const username = field({
    label: t('staffLogin.username'), hint: reset ? null : t('invite.usernameHint'),
    input: h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', required: true,
      readonly: reset, value: reset ? info.username || '' : '', testid: 'invite-username' }),
  });
  const password = field({
    label: t(reset ? 'invite.newPassword' : 'staffLogin.password'), hint: t('invite.passwordHint'),
    input: h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: '10', testid: 'invite-password' }),
  });
  const repeat = field({
    label: t('invite.repeat'),
    input: h('input', { type: 'password', autocomplete: 'new-password', required: true, testid: 'invite-repeat' }),
  });
  const error = h('div', { class: 'form-error', role: 'alert', testid: 'invite-form-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'invite-submit', text: t('invite.submit') });
  const form = h('form', { class: 'stack', novalidate: true }, username.row, password.row, repeat.row, error, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!reset && !username.input.value.trim()) { error.textContent = t('err.username_invalid'); username.input.focus(); return; }
    if (password.input.value.length < 10) { error.textContent = t('err.password_too_short'); password.input.focus(); return; }
    if (password.input.value !== repeat.input.value) { error.textContent = t('invite.mismatch'); repeat.input.focus(); return; }
    withBusy(submit, async () => {
      try {
        const res = await api.post(`${path}/accept`, { username: reset ? null : username.input.value.trim(), password: password.input.value }, { signal: ctx.signal });
        ctx.navigate(res.staff.role === 'owner' ? '/admin' : '/staff', { replace: true });
      } catch (err) {
        if (err.name === 'AbortError') return;
        error.textContent = errorMessage(err);
        const target = err.body && err.body.field === 'username' ? username.input : password.input;
        target.focus();
      }
    });
  });
  wait.replaceWith(h('section', { class: 'panel stack', testid: 'invite' },
    pageTitle(reset ? t('invite.resetTitle', { name: info.name }) : t('invite.welcome', { name: info.name })),
    h('p', { class: 'lead', testid: 'invite-where', text: reset ? t('invite.resetLead', { where }) : t('invite.lead', { where, role: t(`team.role.${info.role}`) }) }),
    form));
}
