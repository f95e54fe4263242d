// The points card on the member's home: the points to use now in big type, what waits for the refund
// window, what expires soon; a tap opens the catalogue (what the member has enough for, or how many
// points are missing) and the history, loaded from /api/me/points only then.

import { h } from '../dom.js';
import { errorMessage, formatDate, has, t } from '../i18n.js';
import { api } from '../api.js';
import { loading, notice } from '../ui.js';

export function pointsSection(ctx, points) {
  const b = points.balance;
  const details = h('details', { class: 'points-details', testid: 'points-details' },
    h('summary', { testid: 'points-open', text: t('points.open') }));
  details.addEventListener('toggle', () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = '1';
    const wait = loading();
    details.append(wait);
    api.get('/api/me/points', { signal: ctx.signal }).then((res) => wait.replaceWith(...pointsDetails(res)))
      .catch((err) => { delete details.dataset.loaded; if (err.name !== 'AbortError') wait.replaceWith(notice('error', errorMessage(err))); });
  });
  return h('section', { class: 'card points-home', testid: 'points-home', 'aria-labelledby': 'points-h' },
    h('h2', { id: 'points-h', text: points.program_name }),
    h('p', { class: 'points-balance' },
      h('span', { class: 'points-big', testid: 'points-balance', text: String(b.confirmed) }),
      h('span', { class: 'points-unit', text: t('points.usable', { n: b.confirmed }) })),
    b.pending ? h('div', { class: 'points-pending', testid: 'points-pending' },
      h('p', { class: 'points-line', text: t('points.pending', { n: b.pending }) }),
      h('p', { class: 'hint', text: t('points.pendingHint') })) : null,
    b.expiring && b.expiring_at ? h('p', { class: 'points-line points-expiring', testid: 'points-expiring',
      text: t('points.expiring', { n: b.expiring, date: formatDate(b.expiring_at) }) }) : null,
    details);
}

function pointsDetails(res) {
  const have = res.balance.confirmed;
  const catalogue = res.catalogue.length
    ? h('ul', { class: 'points-catalogue' }, res.catalogue.map((i) => h('li', { class: 'points-item', testid: 'points-item', dataset: { itemId: String(i.id) } },
      i.picture_url ? picture(i.picture_url) : null,
      h('div', {},
        h('strong', { text: i.name }),
        h('p', {}, h('span', { class: 'muted', text: `${t('points.cost', { n: i.cost })} · ` }),
          h('span', { class: ['points-status', have >= i.cost ? 'is-enough' : null], testid: 'points-item-status',
            text: have >= i.cost ? t('points.enough') : t('points.missing', { n: i.cost - have }) }))))))
    : h('p', { class: 'muted', text: t('points.catalogueEmpty') });
  const history = res.history.length
    ? h('ul', { class: 'activity-list' }, res.history.map((e) => h('li', { class: 'activity', testid: 'points-history-item' },
      h('div', {},
        h('p', { class: 'activity-title', text: `${e.points > 0 ? '+' : ''}${e.points} · ${t(`points.kind.${e.kind}`)}` }),
        h('p', { class: 'activity-reason', text: has(`points.reason.${e.reason}`) ? t(`points.reason.${e.reason}`) : e.reason })),
      h('span', { class: 'activity-time', text: formatDate(e.created_at, { day: 'numeric', month: 'short' }) }))))
    : h('p', { class: 'muted', text: t('points.historyEmpty') });
  return [
    h('h3', { text: t('points.catalogue') }), catalogue,
    res.catalogue.length ? h('p', { class: 'hint', text: t('points.redeemHint') }) : null,
    h('h3', { text: t('points.history') }), history,
  ].filter(Boolean);
}

/** A reward's picture; one that does not load (gone, or not allowed by the page's CSP) leaves no broken icon. */
function picture(src) {
  const img = h('img', { src, alt: '', loading: 'lazy', width: '56', height: '56' });
  img.addEventListener('error', () => img.remove());
  return img;
}
