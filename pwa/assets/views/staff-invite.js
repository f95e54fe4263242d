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
    handled: (err) => { wait.replaceWith(invalidLink(err)); return true; },
  });
  if (!info) return;
  const reset = info.kind === 'reset';
  wait.replaceWith(h('section', { class: 'panel stack', testid: 'invite' },
    pageTitle(reset ? t('invite.resetTitle', { name: info.name }) : t('invite.welcome', { name: info.name })),
    inviteLead(info),
    inviteForm(ctx, path, info)));
}

function invalidLink(err) {
  return h('section', { class: 'panel stack', testid: 'invite-invalid' },
    pageTitle(t('invite.invalidTitle')),
    notice('error', errorMessage(err), { testid: 'invite-error' }),
    h('p', {}, h('a', { class: 'button', href: '/staff/login', text: t('invite.toLogin') })));
}

function inviteLead(info) {
  const where = info.store ? `${info.business} – ${info.store.name}` : info.business;
  return h('p', {
    class: 'lead', testid: 'invite-where',
    text: info.kind === 'reset' ? t('invite.resetLead', { where }) : t('invite.lead', { where, role: t(`team.role.${info.role}`) }),
  });
}

// `f` holds what the form's steps share: the screen, the invite's address, whether it is a reset
// (the username stays), the three fields, the error line and the button.
function inviteForm(ctx, path, info) {
  const reset = info.kind === 'reset';
  const f = {
    ctx, path, reset,
    username: field({
      label: t('staffLogin.username'), hint: reset ? null : t('invite.usernameHint'),
      input: h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', required: true,
        readonly: reset, value: reset ? info.username || '' : '', testid: 'invite-username' }),
    }),
    password: field({
      label: t(reset ? 'invite.newPassword' : 'staffLogin.password'), hint: t('invite.passwordHint'),
      input: h('input', { type: 'password', name: 'password', autocomplete: 'new-password', required: true, minlength: '10', testid: 'invite-password' }),
    }),
    repeat: field({
      label: t('invite.repeat'),
      input: h('input', { type: 'password', autocomplete: 'new-password', required: true, testid: 'invite-repeat' }),
    }),
    error: h('div', { class: 'form-error', role: 'alert', testid: 'invite-form-error' }),
    submit: h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'invite-submit', text: t('invite.submit') }),
  };
  const form = h('form', { class: 'stack', novalidate: true }, f.username.row, f.password.row, f.repeat.row, f.error, f.submit);
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  return form;
}

function submitted(f) {
  const { username, password, repeat, error } = f;
  error.textContent = '';
  if (!f.reset && !username.input.value.trim()) { error.textContent = t('err.username_invalid'); username.input.focus(); return; }
  if (password.input.value.length < 10) { error.textContent = t('err.password_too_short'); password.input.focus(); return; }
  if (password.input.value !== repeat.input.value) { error.textContent = t('invite.mismatch'); repeat.input.focus(); return; }
  accept(f);
}

/** Sets the password (and on a new account the username); the device is then logged in. */
function accept(f) {
  const { ctx, username, password } = f;
  withBusy(f.submit, async () => {
    try {
      const body = { username: f.reset ? null : username.input.value.trim(), password: password.input.value };
      const res = await api.post(`${f.path}/accept`, body, { signal: ctx.signal });
      ctx.navigate(res.staff.role === 'owner' ? '/admin' : '/staff', { replace: true });
    } catch (err) {
      if (err.name === 'AbortError') return;
      f.error.textContent = errorMessage(err);
      const target = err.body && err.body.field === 'username' ? username.input : password.input;
      target.focus();
    }
  });
}
