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

function bonusesSection(ctx, data) {
  const b = data.bonuses;
  const programReward = data.program_reward || t('club.bonuses.programRewardNone');
  const errors = new FieldErrors(BONUS_FIELDS);
  const num = (key, value, max) => {
    const f = field({
      label: t(`club.bonuses.${key}`),
      hint: t(`club.bonuses.${key}Hint`, { max }),
      input: h('input', { type: 'number', inputmode: 'numeric', min: '0', max: String(max), step: '1', value: String(value), testid: `bonus-${key}` }),
    });
    f.row.append(errors.slot(key, f.input));
    f.input.addEventListener('input', () => errors.clear(key));
    return f;
  };
  const text = (key, value) => {
    const f = field({
      label: t('club.bonuses.rewardText'),
      hint: t('club.bonuses.rewardTextHint', { reward: programReward }),
      input: h('input', { type: 'text', maxlength: '120', value, placeholder: data.program_reward, testid: `bonus-${key}` }),
    });
    f.row.append(errors.slot(key, f.input));
    f.input.addEventListener('input', () => errors.clear(key));
    return f;
  };
  const toggle = (key, checked, label, hint, extra) => {
    const box = checkbox({ label, hint, checked, testid: `bonus-${key}` });
    const draw = () => { extra.row.hidden = !box.input.checked; };
    box.input.addEventListener('change', draw);
    draw();
    return box;
  };

  const profile = num('profile_bonus_stamps', b.profile_bonus_stamps, 10);
  const welcome = num('welcome_bonus_stamps', b.welcome_bonus_stamps, 10);
  const birthdayText = text('birthday_reward_text', b.birthday_reward_text);
  const birthday = toggle('birthday_reward', b.birthday_reward, t('club.bonuses.birthday'), t('club.bonuses.birthdayHint'), birthdayText);
  const anniversaryText = text('anniversary_reward_text', b.anniversary_reward_text);
  const anniversary = toggle('anniversary_reward', b.anniversary_reward, t('club.bonuses.anniversary'), t('club.bonuses.anniversaryHint'), anniversaryText);
  const surpriseShare = num('surprise_share_percent', b.surprise_share_percent, data.max_surprise_percent);
  const surpriseText = text('surprise_reward_text', b.surprise_reward_text);
  const referralCap = num('referral_monthly_cap', b.referral_monthly_cap, data.max_referral_cap);
  const referralText = text('referral_reward_text', b.referral_reward_text);
  const friendText = text('referral_friend_reward_text', b.referral_friend_reward_text);
  const friend = toggle('referral_friend_reward', b.referral_friend_reward, t('club.bonuses.referralFriend'), t('club.bonuses.referralFriendHint'), friendText);

  const formError = h('p', { class: 'form-error', role: 'alert', testid: 'bonus-error' });
  const save = h('button', { type: 'submit', class: 'button button-primary button-block', testid: 'bonus-save', text: t('club.bonuses.save') });
  const group = (legend, ...rows) => h('fieldset', { class: 'fieldset sub-fieldset' }, h('legend', { text: legend }), rows);
  const form = h('form', { class: 'card stack', novalidate: true, testid: 'bonus-form' },
    group(t('club.bonuses.stampsTitle'), profile.row, welcome.row),
    group(t('club.bonuses.birthdayTitle'), birthday.row, birthdayText.row),
    group(t('club.bonuses.anniversaryTitle'), anniversary.row, anniversaryText.row),
    group(t('club.bonuses.surpriseTitle'), h('p', { class: 'hint', text: t('club.bonuses.surpriseLead') }), surpriseShare.row, surpriseText.row),
    group(t('club.bonuses.referralTitle'), h('p', { class: 'hint', text: t('club.bonuses.referralLead') }), referralText.row, referralCap.row, friend.row, friendText.row),
    formError, save);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    errors.clear();
    formError.textContent = '';
    const whole = (f, key, max) => {
      const n = Number(f.input.value);
      if (f.input.value.trim() === '' || !Number.isInteger(n) || n < 0 || n > max) {
        errors.set(key, t('club.err.number', { max }));
        return 0;
      }
      return n;
    };
    const body = {
      profile_bonus_stamps: whole(profile, 'profile_bonus_stamps', 10),
      welcome_bonus_stamps: whole(welcome, 'welcome_bonus_stamps', 10),
      birthday_reward: birthday.input.checked,
      birthday_reward_text: birthdayText.input.value,
      anniversary_reward: anniversary.input.checked,
      anniversary_reward_text: anniversaryText.input.value,
      surprise_share_percent: whole(surpriseShare, 'surprise_share_percent', data.max_surprise_percent),
      surprise_reward_text: surpriseText.input.value,
      referral_reward_text: referralText.input.value,
      referral_monthly_cap: whole(referralCap, 'referral_monthly_cap', data.max_referral_cap),
      referral_friend_reward: friend.input.checked,
      referral_friend_reward_text: friendText.input.value,
    };
    if (errors.any()) { errors.focusFirst(); return; }
    withBusy(save, async () => {
      try {
        await putAndReload(ctx, '/api/admin/club/bonuses', body, 'club.bonuses.saved');
      } catch (err) {
        if (err.name === 'AbortError') return;
        const max = err.body && err.body.max;
        if (errors.fromServer(err, () => (max !== undefined ? t('club.err.number', { max }) : ownerErrorMessage(err)))) { errors.focusFirst(); return; }
        formError.textContent = ownerErrorMessage(err);
      }
    });
  });
  return h('section', { class: 'stack', id: 'club-bonuses', 'aria-labelledby': 'club-bonuses-h', testid: 'club-bonuses' },
    h('h2', { id: 'club-bonuses-h', text: t('club.bonuses.title') }),
    h('p', { class: 'muted', text: t('club.bonuses.lead') }),
    form);
}
