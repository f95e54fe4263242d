// /admin/club: the club's own settings in four sections: bonuses, the business's
// profile fields, the interests list and the consent texts (with versions).

import { checkbox, field, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { FieldErrors, ownerErrorMessage } from './form-errors.js';
import { loadTeamScreen } from './team-common.js';
import { interestsSection, profileFieldsSection, putAndReload } from './club-lists.js';
import { consentTextsSection } from './club-consents.js';
import { programNav } from './program-common.js';

const BONUS_FIELDS = ['profile_bonus_stamps', 'welcome_bonus_stamps', 'birthday_reward_text', 'anniversary_reward_text', 'surprise_share_percent', 'surprise_reward_text', 'referral_monthly_cap', 'referral_reward_text', 'referral_friend_reward_text'];

export async function render(ctx) {
  ctx.setTitle(t('club.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadTeamScreen(ctx, wait, (signal) => Promise.all(
    ['bonuses', 'profile-fields', 'interests', 'consent-texts'].map((p) => api.get(`/api/admin/club/${p}`, { signal }))), 'club.title', '/admin');
  if (!loaded) return;
  const [bonuses, fields, interests, texts] = loaded;
  const data = { bonuses, fields, interests, texts };
  wait.replaceWith(...[
    programNav('/admin/club'),
    h('div', { class: 'admin-head' }, pageTitle(t('club.title')), h('p', { class: 'lead', text: t('club.lead') })),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    h('nav', { class: 'club-jump', 'aria-label': t('club.jump') },
      ['bonuses', 'fields', 'interests', 'consents'].map((s) => h('a', { href: `#club-${s}`, text: t(`club.${s}.title`) }))),
    bonusesSection(ctx, data.bonuses),
    profileFieldsSection(ctx, data.fields.fields),
    interestsSection(ctx, data.interests.interests),
    consentTextsSection(ctx, data.texts),
  ].filter(Boolean));
}

// The bonus form is built from its fields and groups; `f` holds what they share (the screen, the
// loaded settings, the fields, the error slots, the button) so each step below is a function of its own.
function bonusesSection(ctx, data) {
  const f = {
    ctx, data,
    errors: new FieldErrors(BONUS_FIELDS),
    programReward: data.program_reward || t('club.bonuses.programRewardNone'),
  };
  f.fields = bonusFields(f);
  f.formError = h('p', { class: 'form-error', role: 'alert', testid: 'bonus-error' });
  f.submit = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'bonus-save', text: t('club.bonuses.save') });
  const form = bonusForm(f);
  form.addEventListener('submit', (event) => { event.preventDefault(); submitted(f); });
  return h('section', { class: 'stack', id: 'club-bonuses', 'aria-labelledby': 'club-bonuses-h', testid: 'club-bonuses' },
    h('h2', { id: 'club-bonuses-h', text: t('club.bonuses.title') }),
    h('p', { class: 'muted', text: t('club.bonuses.lead') }),
    form);
}

// ---- the fields: stamps given, reward texts, and the switches that show a text only when on

function bonusFields(f) {
  const b = f.data.bonuses;
  const { data } = f;
  const fields = {
    profile: numberField(f, 'profile_bonus_stamps', b.profile_bonus_stamps, 10),
    welcome: numberField(f, 'welcome_bonus_stamps', b.welcome_bonus_stamps, 10),
    birthdayText: rewardTextField(f, 'birthday_reward_text', b.birthday_reward_text),
  };
  fields.birthday = switchField('birthday_reward', b.birthday_reward, t('club.bonuses.birthday'), t('club.bonuses.birthdayHint'), fields.birthdayText);
  fields.anniversaryText = rewardTextField(f, 'anniversary_reward_text', b.anniversary_reward_text);
  fields.anniversary = switchField('anniversary_reward', b.anniversary_reward, t('club.bonuses.anniversary'), t('club.bonuses.anniversaryHint'), fields.anniversaryText);
  fields.surpriseShare = numberField(f, 'surprise_share_percent', b.surprise_share_percent, data.max_surprise_percent);
  fields.surpriseText = rewardTextField(f, 'surprise_reward_text', b.surprise_reward_text);
  fields.referralCap = numberField(f, 'referral_monthly_cap', b.referral_monthly_cap, data.max_referral_cap);
  fields.referralText = rewardTextField(f, 'referral_reward_text', b.referral_reward_text);
  fields.friendText = rewardTextField(f, 'referral_friend_reward_text', b.referral_friend_reward_text);
  fields.friend = switchField('referral_friend_reward', b.referral_friend_reward, t('club.bonuses.referralFriend'), t('club.bonuses.referralFriendHint'), fields.friendText);
  return fields;
}

function numberField(f, key, value, max) {
  const one = field({
    label: t(`club.bonuses.${key}`),
    hint: t(`club.bonuses.${key}Hint`, { max }),
    input: h('input', { type: 'number', inputmode: 'numeric', min: '0', max: String(max), step: '1', value: String(value), testid: `bonus-${key}` }),
  });
  withErrorSlot(f, key, one);
  return one;
}

function rewardTextField(f, key, value) {
  const one = field({
    label: t('club.bonuses.rewardText'),
    hint: t('club.bonuses.rewardTextHint', { reward: f.programReward }),
    input: h('input', { type: 'text', maxlength: '120', value, placeholder: f.data.program_reward, testid: `bonus-${key}` }),
  });
  withErrorSlot(f, key, one);
  return one;
}

/** The field's error slot under it, emptied as soon as the field is typed in. */
function withErrorSlot(f, key, one) {
  one.row.append(f.errors.slot(key, one.input));
  one.input.addEventListener('input', () => f.errors.clear(key));
}

/** A checkbox that shows `extra` (its reward text) only while it is ticked. */
function switchField(key, checked, label, hint, extra) {
  const box = checkbox({ label, hint, checked, testid: `bonus-${key}` });
  const draw = () => { extra.row.hidden = !box.input.checked; };
  box.input.addEventListener('change', draw);
  draw();
  return box;
}

function bonusForm(f) {
  const { profile, welcome, birthday, birthdayText, anniversary, anniversaryText, surpriseShare, surpriseText,
    referralText, referralCap, friend, friendText } = f.fields;
  const group = (legend, ...rows) => h('fieldset', { class: 'fieldset sub-fieldset' }, h('legend', { text: legend }), rows);
  return h('form', { class: 'card stack', novalidate: true, testid: 'bonus-form' },
    group(t('club.bonuses.stampsTitle'), profile.row, welcome.row),
    group(t('club.bonuses.birthdayTitle'), birthday.row, birthdayText.row),
    group(t('club.bonuses.anniversaryTitle'), anniversary.row, anniversaryText.row),
    group(t('club.bonuses.surpriseTitle'), h('p', { class: 'hint', text: t('club.bonuses.surpriseLead') }), surpriseShare.row, surpriseText.row),
    group(t('club.bonuses.referralTitle'), h('p', { class: 'hint', text: t('club.bonuses.referralLead') }), referralText.row, referralCap.row, friend.row, friendText.row),
    f.formError, f.submit);
}

// ---- submit: the request body (checked as it is read), then saving

function submitted(f) {
  f.errors.clear();
  f.formError.textContent = '';
  const body = requestBody(f);
  if (f.errors.any()) { f.errors.focusFirst(); return; }
  save(f, body);
}

/** A whole number from 0 to max, or 0 with the field's error set. */
function wholeNumber(f, one, key, max) {
  const n = Number(one.input.value);
  if (one.input.value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) {
    f.errors.set(key, t('club.err.number', { max }));
    return 0;
  }
  return n;
}

function requestBody(f) {
  const { data } = f;
  const { profile, welcome, birthday, birthdayText, anniversary, anniversaryText, surpriseShare, surpriseText,
    referralText, referralCap, friend, friendText } = f.fields;
  return {
    profile_bonus_stamps: wholeNumber(f, profile, 'profile_bonus_stamps', 10),
    welcome_bonus_stamps: wholeNumber(f, welcome, 'welcome_bonus_stamps', 10),
    birthday_reward: birthday.input.checked,
    birthday_reward_text: birthdayText.input.value,
    anniversary_reward: anniversary.input.checked,
    anniversary_reward_text: anniversaryText.input.value,
    surprise_share_percent: wholeNumber(f, surpriseShare, 'surprise_share_percent', data.max_surprise_percent),
    surprise_reward_text: surpriseText.input.value,
    referral_reward_text: referralText.input.value,
    referral_monthly_cap: wholeNumber(f, referralCap, 'referral_monthly_cap', data.max_referral_cap),
    referral_friend_reward: friend.input.checked,
    referral_friend_reward_text: friendText.input.value,
  };
}

function save(f, body) {
  const { errors } = f;
  withBusy(f.submit, async () => {
    try {
      await putAndReload(f.ctx, '/api/admin/club/bonuses', body, 'club.bonuses.saved');
    } catch (err) {
      if (err.name === 'AbortError') return;
      const max = err.body && err.body.max;
      if (errors.fromServer(err, () => (max !== undefined ? t('club.err.number', { max }) : ownerErrorMessage(err)))) { errors.focusFirst(); return; }
      f.formError.textContent = ownerErrorMessage(err);
    }
  });
}
