// Staff sign-in on a store device. Done once; the session keeps the device in
// staff mode until someone logs out. The owner uses the same form and lands on /admin.

import { field, h } from '../dom.js';
import { errorMessage, t } from '../i18n.js';
import { api } from '../api.js';
import { pageTitle, withBusy } from '../ui.js';

export async function render(ctx) {
  ctx.setTitle(t('staffLogin.title'));
  const username = field({
    label: t('staffLogin.username'),
    input: h('input', { type: 'text', name: 'username', autocomplete: 'username', autocapitalize: 'off', spellcheck: 'false', required: true, testid: 'staff-username' }),
  });
  const password = field({
    label: t('staffLogin.password'),
    input: h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, testid: 'staff-password' }),
  });
  const error = h('div', { class: 'form-error', role: 'alert', testid: 'staff-login-error' });
  const submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'staff-login-submit', text: t('staffLogin.submit') });
  const form = h('form', { class: 'stack', novalidate: true }, username.row, password.row, error, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!username.input.value.trim() || !password.input.value) {
      error.textContent = t('err.validation_error');
      (username.input.value.trim() ? password.input : username.input).focus();
      return;
    }
    withBusy(submit, async () => {
      try {
        const res = await api.post('/api/staff/login', { username: username.input.value.trim(), password: password.input.value }, { signal: ctx.signal });
        // The owner signs in here too, and goes to the back office.
        ctx.navigate(res && res.staff && res.staff.role === 'owner' ? '/admin' : '/staff', { replace: true });
      } catch (err) {
        if (err.name === 'AbortError') return;
        error.textContent = errorMessage(err);
        password.input.value = '';
        password.input.focus();
      }
    });
  });
  ctx.main.append(h('section', { class: 'panel' }, pageTitle(t('staffLogin.title')), form));
}
