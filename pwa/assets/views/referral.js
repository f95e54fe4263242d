// "Verv en venn" on Min side: the member's own link and its QR (drawn by the server),
// share it (the phone's share sheet, or copy the link), and what came of each friend
// who joined through it. A member who joined through a friend's link sees that status too.
// Also the /r/{code} route for when the app, not the server, opens a link (offline shell).

import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { api } from '../api.js';
import { loadInto, loading } from '../ui.js';

export function referralCard(ctx) {
  const wait = loading();
  const card = h('section', { class: 'card stack', 'aria-labelledby': 'me-referral-h', testid: 'referral' },
    h('h2', { id: 'me-referral-h', text: t('referral.title') }), wait);
  // A failure stays inside the card; Min side's other sections do not wait for it.
  loadInto(ctx, wait, (signal) => api.get('/api/me/referral', { signal }), { testid: 'referral-error', retry: null })
    .then((data) => { if (data) card.replaceChildren(...draw(data).filter(Boolean)); });
  return card;
}

function draw(data) {
  return [
    h('h2', { id: 'me-referral-h', text: t('referral.title') }),
    data.referred_by ? referredBy(data.referred_by) : null,
    h('p', { text: t('referral.lead', { reward: data.reward }) }),
    h('img', {
      class: 'referral-qr', src: data.qr_url, width: '200', height: '200', testid: 'referral-qr',
      alt: t('referral.qrAlt'),
    }),
    share(data.link),
    h('p', { class: 'hint', testid: 'referral-cap', text: t('referral.cap', { cap: data.monthly_cap, n: data.rewarded_this_month }) }),
    h('h3', { text: t('referral.friends') }),
    data.referrals.length
      ? h('ul', { class: 'referral-list', testid: 'referral-list' }, data.referrals.map((r) => h('li', { class: 'referral-item', testid: 'referral-item' },
        h('span', { text: t('referral.joined', { date: formatDate(r.joined_at) }) }),
        statusBadge(r.status, 'referral-status'))))
      : h('p', { class: 'muted', testid: 'referral-none', text: t('referral.none') }),
  ];
}

function referredBy(mine) {
  return h('div', { class: 'referral-mine', testid: 'referral-mine' },
    h('p', { text: t('referral.mine') }),
    statusBadge(mine.status, 'referral-mine-status'));
}

function statusBadge(status, testid) {
  return h('span', { class: ['referral-badge', `referral-badge-${status}`], testid, text: t(`referral.status.${status}`) });
}

function share(link) {
  const input = h('input', {
    type: 'text', readonly: true, value: link, class: 'referral-link', testid: 'referral-link',
    'aria-label': t('referral.linkLabel'), onfocus: (event) => event.currentTarget.select(),
  });
  const done = h('p', { class: 'form-info', role: 'status', testid: 'referral-shared' });
  const button = h('button', {
    type: 'button', class: 'button button-primary button-block', testid: 'referral-share',
    text: t(navigator.share ? 'referral.share' : 'referral.copy'),
  });
  button.addEventListener('click', async () => {
    done.textContent = '';
    if (navigator.share) {
      try {
        await navigator.share({ title: t('referral.shareTitle'), text: t('referral.shareText'), url: link });
        return;
      } catch (err) {
        if (err.name === 'AbortError') return; // the member closed the share sheet
      }
    }
    try {
      await navigator.clipboard.writeText(link);
      done.textContent = t('referral.copied');
    } catch {
      input.focus(); // selects the link, ready to copy by hand
      done.textContent = t('referral.copyByHand');
    }
  });
  return h('div', { class: 'referral-share' }, input, button, done);
}

// /r/{code} drawn by the app (the server normally redirects before the app starts).
export const referralLink = {
  render(ctx) {
    ctx.navigate(`/join?ref=${encodeURIComponent(ctx.params.code)}`, { replace: true });
  },
};
