// /join (step 1 with consents) and /login (same flow, no consents), then the
// 6-digit code screen. Flow state lives at module level so switching language
// mid-flow re-renders the same step instead of starting over.

import { field, h } from '../dom.js';
import { errorMessage, getLang, t } from '../i18n.js';
import { api } from '../api.js';
import { getConfig, isDevEnvironment, storeBySlug } from '../config.js';
import { deviceLabel, ensureDeviceKeyPair, exportPublicKey } from '../device-key.js';
import { rememberDevice } from '../member-store.js';
import { notice, pageTitle, withBusy } from '../ui.js';
import { consentBlock, freshConsents } from './consents.js';
import { devOutboxPanel } from './dev-outbox.js';
import { passkeyLogin } from './passkeys.js';

const flows = {};

function newFlow(mode, query) {
  return {
    mode,
    step: 'identify',
    identifier: '',
    store: query.get('store') || null,
    via: query.get('via') === 'staff' ? 'staff' : 'poster', // the till's join code, or the poster
    ref: (query.get('ref') || '').slice(0, 16) || null, // a friend's referral link (/r/{code})
    ...freshConsents(),
    sent: null, // response of otp/start plus sentAt
    needTerms: false,
    code: '',
  };
}

export async function render(ctx) {
  const mode = ctx.params.mode;
  if (!ctx.rerender || !flows[mode]) flows[mode] = newFlow(mode, ctx.query);
  const flow = flows[mode];
  if (flow.step === 'code') renderCode(ctx, flow);
  else renderIdentify(ctx, flow);
}

function otpStartBody(flow) {
  const join = flow.mode === 'join';
  return {
    identifier: flow.identifier,
    purpose: flow.mode,
    terms_accepted: join ? flow.terms : false,
    marketing: join ? { ...flow.marketing } : { email: false, sms: false, push: false },
    store: flow.store,
    via: flow.via,
    ref: join ? flow.ref : null,
    lang: getLang(),
  };
}

function renderIdentify(ctx, flow) {
  const join = flow.mode === 'join';
  const title = t(join ? 'join.title' : 'login.title');
  ctx.setTitle(title);
  const f = identifyForm(ctx, flow);
  ctx.main.append(
    h('section', { class: 'panel' },
      identifyIntro(ctx, flow, title),
      f.form,
      passkeyLogin(ctx, { autofill: join ? null : f.identifier.input, onLoggedIn: (res) => loggedIn(ctx, flow, res) })),
    switchFlow(flow));
}

function identifyIntro(ctx, flow, title) {
  const join = flow.mode === 'join';
  const store = flow.store ? storeBySlug(flow.store) : null;
  return [
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    pageTitle(title),
    store ? h('p', { class: 'eyebrow', text: t('join.storeWelcome', { store: store.name }) }) : null,
    join && flow.ref ? h('p', { class: 'eyebrow', testid: 'join-referred', text: t('join.referred') }) : null,
    h('p', { class: 'lead', text: join ? t('join.lead', { business: getConfig().business.name }) : t('login.lead') }),
  ];
}

/** "Allerede medlem? Logg inn" (or the other way round), keeping the store. */
function switchFlow(flow) {
  const join = flow.mode === 'join';
  const switchHref = (join ? '/login' : '/join') + (flow.store ? `?store=${encodeURIComponent(flow.store)}` : '');
  return h('p', { class: 'switch-flow' }, `${t(join ? 'join.haveAccount' : 'login.noAccount')} `,
    h('a', { href: switchHref, testid: join ? 'to-login' : 'to-join', text: t(join ? 'join.toLogin' : 'login.toJoin') }));
}

// `f` holds what the identify form's steps share: the screen, the flow, the field, the consents
// (on /join only), the error line and the button.
function identifyForm(ctx, flow) {
  const f = {
    ctx, flow,
    identifier: identifierField(flow),
    consents: flow.mode === 'join' ? consentBlock(flow) : null,
    error: h('div', { class: 'form-error', testid: 'form-error', role: 'alert' }),
    submit: h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'identify-submit', text: t('join.submit') }),
  };
  f.form = h('form', { class: 'stack', novalidate: true }, f.identifier.row, f.consents && f.consents.element, f.error, f.submit);
  f.form.addEventListener('submit', (event) => { event.preventDefault(); identifySubmitted(f); });
  return f;
}

function identifierField(flow) {
  const identifier = field({
    label: t('join.identifier'),
    hint: t('join.identifierHint'),
    input: h('input', {
      type: 'text', name: 'identifier', autocomplete: 'username', autocapitalize: 'off',
      spellcheck: 'false', required: true, value: flow.identifier, testid: 'identifier-input',
    }),
  });
  identifier.input.addEventListener('input', () => { flow.identifier = identifier.input.value; });
  return identifier;
}

function identifySubmitted(f) {
  const { flow, identifier, error } = f;
  error.textContent = '';
  flow.identifier = identifier.input.value.trim();
  if (!flow.identifier) {
    identifier.input.setAttribute('aria-invalid', 'true');
    error.textContent = t('join.identifierRequired');
    identifier.input.focus();
    return;
  }
  identifier.input.removeAttribute('aria-invalid');
  if (f.consents && !f.consents.validate()) return;
  sendCode(f);
}

function sendCode(f) {
  const { ctx, flow } = f;
  withBusy(f.submit, async () => {
    try {
      const res = await api.post('/api/auth/otp/start', otpStartBody(flow), { signal: ctx.signal });
      flow.sent = { ...res, sentAt: Date.now() };
      flow.step = 'code';
      flow.code = '';
      ctx.refresh();
    } catch (err) {
      if (err.name === 'AbortError') return;
      if (err.code === 'invalid_identifier') f.identifier.input.setAttribute('aria-invalid', 'true');
      f.error.textContent = errorMessage(err);
    }
  });
}

// ---- the code screen; `c` holds what its parts share: the screen, the flow and what was sent,
// the code field, the consents (when the terms turned out to be missing), the lines and the buttons

function renderCode(ctx, flow) {
  ctx.setTitle(t('code.title'));
  const c = codeForm(ctx, flow);
  ctx.main.append(h('section', { class: 'panel' },
    pageTitle(t('code.title')),
    h('p', { class: 'lead', testid: 'code-destination', text: t('code.sentTo', { channel: t(`code.channel.${c.sent.channel}`), destination: c.sent.destination }) }),
    c.form,
    h('div', { class: 'row-actions' }, c.resend, changeButton(ctx, flow)),
    isDevEnvironment() ? devOutboxPanel(flow.identifier, (value) => {
      c.code.input.value = value;
      flow.code = value;
      c.code.input.focus();
    }) : null));
}

function codeForm(ctx, flow) {
  const c = {
    ctx, flow, sent: flow.sent,
    code: codeField(flow),
    consents: flow.needTerms ? consentBlock(flow) : null,
    error: h('div', { class: 'form-error', testid: 'code-error', role: 'alert' }),
    info: h('div', { class: 'form-info', role: 'status' }),
    submit: h('button', {
      type: 'submit', class: 'button button-primary button-block', testid: 'code-submit',
      text: t(flow.needTerms ? 'code.finishJoin' : 'code.submit'),
    }),
    resend: h('button', { type: 'button', class: 'button button-ghost', testid: 'code-resend' }),
  };
  tickResend(c);
  const timer = setInterval(() => tickResend(c), 1000);
  ctx.onCleanup(() => clearInterval(timer));
  c.resend.addEventListener('click', () => resendCode(c));

  c.form = h('form', { class: 'stack', novalidate: true },
    c.consents ? notice('info', t('code.termsNeeded'), { live: false }) : null,
    c.code.row, c.consents && c.consents.element, c.error, c.info, c.submit);
  c.form.addEventListener('submit', (event) => { event.preventDefault(); codeSubmitted(c); });
  return c;
}

function codeField(flow) {
  const code = field({
    label: t('code.label'),
    hint: t('code.hint', { minutes: Math.round((flow.sent.expires_in || 600) / 60) }),
    input: h('input', {
      type: 'text', name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]*',
      maxlength: '6', required: true, class: 'code-input', value: flow.code, testid: 'code-input',
    }),
  });
  code.input.addEventListener('input', () => {
    code.input.value = code.input.value.replace(/\D/g, '').slice(0, 6);
    flow.code = code.input.value;
  });
  return code;
}

/** "Send ny kode om 23 s", then "Send ny kode"; run every second. */
function tickResend(c) {
  const { resend, sent } = c;
  const waitMs = (sent.resend_after || 30) * 1000 - (Date.now() - sent.sentAt);
  const left = Math.ceil(waitMs / 1000);
  resend.disabled = left > 0 || resend.getAttribute('aria-busy') === 'true';
  resend.textContent = left > 0 ? t('code.resendIn', { s: left }) : t('code.resend');
}

async function resendCode(c) {
  const { resend } = c;
  c.error.textContent = '';
  c.info.textContent = '';
  resend.setAttribute('aria-busy', 'true');
  resend.disabled = true;
  try {
    const res = await api.post('/api/auth/otp/start', otpStartBody(c.flow), { signal: c.ctx.signal });
    Object.assign(c.sent, res, { sentAt: Date.now() });
    c.info.textContent = t('code.resent');
  } catch (err) {
    if (err.name !== 'AbortError') c.error.textContent = errorMessage(err);
  } finally {
    resend.removeAttribute('aria-busy');
    tickResend(c);
  }
}

function codeSubmitted(c) {
  const { code, error } = c;
  error.textContent = '';
  c.info.textContent = '';
  if (!/^\d{6}$/.test(code.input.value)) {
    code.input.setAttribute('aria-invalid', 'true');
    error.textContent = t('code.invalidFormat');
    code.input.focus();
    return;
  }
  code.input.removeAttribute('aria-invalid');
  if (c.consents && !c.consents.validate()) return;
  withBusy(c.submit, () => verify(c.ctx, c.flow, code.input, error));
}

/** "Bruk et annet nummer eller e-post": back to the first step, with what was typed. */
function changeButton(ctx, flow) {
  return h('button', {
    type: 'button', class: 'button button-link', testid: 'code-change', text: t('code.change'),
    onclick: () => {
      flow.step = 'identify';
      flow.needTerms = false;
      ctx.refresh();
    },
  });
}

async function verify(ctx, flow, input, error) {
  const join = flow.mode === 'join';
  let publicKey = null;
  try {
    publicKey = await exportPublicKey((await ensureDeviceKeyPair()).pair);
  } catch (err) {
    console.warn('No device key; the QR will not work on this device', err);
  }
  const withConsents = join || flow.needTerms;
  try {
    const res = await api.post('/api/auth/otp/verify', {
      identifier: flow.identifier,
      code: input.value,
      device_public_key: publicKey,
      device_label: deviceLabel(),
      terms_accepted: withConsents ? flow.terms : null,
      marketing: withConsents ? { ...flow.marketing } : null,
      store: flow.store,
    }, { signal: ctx.signal });
    await loggedIn(ctx, flow, res);
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err.code === 'terms_required') {
      // The code was not consumed: show the consents and let them send it again.
      flow.needTerms = true;
      flow.code = input.value;
      ctx.refresh();
      return;
    }
    error.textContent = errorMessage(err);
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    input.select();
  }
}

// The same landing for a code and for a passkey: remember this phone's device, go home.
async function loggedIn(ctx, flow, res) {
  await rememberDevice(res.device_id, res.member);
  delete flows[flow.mode];
  const refused = res.referral && res.referral !== 'recorded'; // joined, but the link did not count: say why
  ctx.navigate('/', { replace: true, flash: res.new_member ? (refused ? `join.referral.${res.referral}` : 'home.welcome') : null });
}
