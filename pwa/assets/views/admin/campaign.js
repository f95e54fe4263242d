// /admin/campaigns/{id}: the message, who it is for, status and times, and the
// counts. Refreshes every 5 s while it is being sent (or about to be), and a
// scheduled campaign can be cancelled, and one still sending stopped for those who have not had it.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { getConfig } from '../../config.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import {
  afterQuietHours, describeSegment, formatWhenLong, handleOwnerError, listOf, loadOptions, loadOwnerScreen, statusChip, tierName, whenText,
} from './common.js';
import { ownerErrorMessage } from './form-errors.js';

const POLL_MS = 5000;
const SOON_MS = 60_000;
const STATS = [
  ['recipients', 'stat-recipients'],
  ['sent', 'stat-sent'],
  ['delivered', 'stat-delivered'],
  ['failed', 'stat-failed'],
  ['clicked', 'stat-opened'],
];

export async function render(ctx) {
  const id = ctx.params.id;
  ctx.setTitle(t('admin.campaign.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadOwnerScreen(ctx, wait, (signal) => Promise.all([
    api.get(`/api/admin/campaigns/${id}`, { signal }),
    loadOptions(signal),
  ]), {
    title: t('admin.campaign.title'),
    missing: {
      title: t('admin.campaign.missing'), text: t('admin.campaign.missingBody'), href: '/admin/campaigns', link: t('admin.campaigns.back'),
    },
  });
  if (!loaded) return;
  const [campaign, opts] = loaded;

  const root = h('div', { class: 'campaign-page stack-lg' });
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  wait.replaceWith(root, live);
  const state = { campaign, flash: ctx.flash, cancelOpen: false, error: '' };
  ctx.setTitle(campaign.title);

  function draw() {
    const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    root.replaceChildren(...page(state, opts, actions)); // the flash stays while the page is open
    if (focused) {
      const again = root.querySelector(`[data-testid="${focused}"]`);
      if (again) again.focus();
    }
  }

  // On a slow line one refresh can outlast the 5 s tick, and answers may come back out of order:
  // only one refresh at a time, and an answer older than what the page shows (a cancel
  // meanwhile) is dropped, so the page never steps back from "Sendt" to "Sendes".
  let refreshing = false;
  let shown = 0; // bumped by every answer the page draws

  async function reload() {
    if (refreshing) return;
    refreshing = true;
    const asked = shown;
    try {
      const fresh = await api.get(`/api/admin/campaigns/${id}`, { signal: ctx.signal });
      if (asked !== shown) return;
      shown += 1;
      if (fresh.status !== state.campaign.status) live.textContent = t('admin.campaign.nowStatus', { status: t(`admin.status.${fresh.status}`) });
      state.campaign = fresh;
      draw();
    } catch (err) {
      if (err.name !== 'AbortError' && !handleOwnerError(ctx, err, root)) console.warn('campaign refresh failed', err);
    } finally {
      refreshing = false;
    }
  }

  const actions = {
    openCancel: () => { state.cancelOpen = true; state.error = ''; draw(); root.querySelector('[data-testid="campaign-cancel-confirm"]').focus(); },
    closeCancel: () => { state.cancelOpen = false; draw(); const b = root.querySelector('[data-testid="campaign-cancel"]'); if (b) b.focus(); },
    cancel: (button) => withBusy(button, async () => {
      try {
        state.campaign = await api.post(`/api/admin/campaigns/${id}/cancel`, undefined, { signal: ctx.signal });
        shown += 1;
        state.cancelOpen = false;
        state.flash = 'admin.flash.cancelled';
        draw();
        const heading = root.querySelector('h1');
        if (heading) heading.focus();
      } catch (err) {
        if (err.name === 'AbortError' || handleOwnerError(ctx, err, root)) return;
        state.cancelOpen = false;
        state.error = ownerErrorMessage(err);
        if (err.code === 'campaign_already_sent') await reload(); // the page catches up with the server
        draw(); // the error, also when a refresh already under way brings the news
      }
    }),
  };

  draw();
  const timer = setInterval(() => {
    if (!document.hidden && shouldPoll(state.campaign)) reload();
  }, POLL_MS);
  ctx.onCleanup(() => clearInterval(timer));
}

function releaseAt(c) {
  const lead = c.early_access ? c.early_access.lead_minutes : 0;
  return Date.parse(c.send_at) - lead * 60_000;
}

function shouldPoll(c) {
  if (c.status === 'sending') return true;
  return c.status === 'scheduled' && releaseAt(c) <= Date.now() + SOON_MS;
}

function page(state, opts, actions) {
  const c = state.campaign;
  const s = c.stats || {};
  const out = [];
  out.push(h('div', { class: 'admin-head' },
    h('p', { class: 'back-link' }, h('a', { href: '/admin/campaigns', text: t('admin.campaigns.back') })),
    h('div', { class: 'campaign-title-row' },
      pageTitle(c.title, { testid: 'campaign-title' }),
      statusChip(c.status)),
    h('p', { class: 'muted', testid: 'campaign-when', text: whenText(c) })));
  if (state.flash) out.push(notice('success', t(state.flash), { testid: 'flash' }));
  const held = c.status === 'scheduled' ? afterQuietHours(c.send_at, opts.policy) : null;
  if (held) {
    const p = opts.policy || {};
    out.push(notice('info', t('admin.reach.quiet', {
      start: p.quiet_start || '21:00', end: p.quiet_end || '09:00', time: formatWhenLong(held),
    }), { testid: 'campaign-quiet' }));
  }
  if (state.error) out.push(notice('error', state.error, { testid: 'campaign-error' }));

  // The counts.
  const figures = h('ul', { class: 'kpis kpis-stats' }, STATS.map(([key, testid]) => h('li', {
    class: ['kpi', `kpi-${key}`], testid, dataset: { value: String(s[key] || 0) },
  }, h('span', { class: 'kpi-value', text: String(s[key] || 0) }), h('span', { class: 'kpi-label', text: t(`admin.stats.${key}`) }))));
  const notYet = c.status === 'scheduled' || (c.status === 'cancelled' && !c.released_at);
  out.push(h('section', { class: 'card', 'aria-labelledby': 'stats-h', testid: 'campaign-stats' },
    h('h2', { id: 'stats-h', text: t('admin.stats.title') }),
    notYet ? h('p', { class: 'muted', text: t(c.status === 'cancelled' ? 'admin.stats.cancelled' : 'admin.stats.notYet') }) : null,
    notYet ? null : figures,
    notYet ? null : h('p', { class: 'hint', text: t('admin.stats.explain') }),
    s.pending || s.skipped
      ? h('p', { class: 'hint', testid: 'stat-more', text: [
        s.pending ? t('admin.stats.pending', { n: s.pending }) : null,
        s.skipped ? t('admin.stats.skipped', { n: s.skipped }) : null,
      ].filter(Boolean).join(' · ') })
      : null,
    c.status === 'sending' ? h('p', { class: 'hint refreshing', text: t('admin.stats.refreshing') }) : null));

  // The message, as the notification shows it.
  out.push(h('section', { class: 'card', 'aria-labelledby': 'message-h' },
    h('h2', { id: 'message-h', text: t('admin.new.message') }),
    h('div', { class: 'notif notif-static' },
      h('div', { class: 'notif-head' },
        h('img', { src: '/assets/icons/icon-192.png', alt: '', width: '20', height: '20' }),
        h('span', { class: 'notif-app', text: getConfig().business.name || t('app.name') })),
      h('p', { class: 'notif-title', text: c.title }),
      h('p', { class: 'notif-body', testid: 'campaign-body', text: c.body })),
    c.title_en ? h('p', { class: 'muted', testid: 'campaign-english' },
      h('span', { text: `${t('admin.campaign.english')} ` }), h('span', { lang: 'en', text: `${c.title_en} – ${c.body_en || ''}` })) : null,
    h('p', { class: 'hint', testid: 'campaign-target', text: t('admin.campaign.opens', { target: t(`admin.target.${c.target}`) }) })));

  // Who and when.
  const rows = [
    [t('admin.campaign.sendAt'), formatWhenLong(c.send_at), 'campaign-send-at'],
    c.early_access ? [t('admin.campaign.early'), t('admin.campaign.earlyText', {
      tiers: listOf(c.early_access.tiers.map((code) => tierName(opts, code))), time: formatWhenLong(new Date(releaseAt(c)).toISOString()),
    }), 'campaign-early'] : null,
    c.released_at ? [t('admin.campaign.releasedAt'), formatWhenLong(c.released_at), 'campaign-released-at'] : null,
    [t('admin.campaign.createdAt'), formatWhenLong(c.created_at), 'campaign-created-at'],
  ].filter(Boolean);
  out.push(h('section', { class: 'card', 'aria-labelledby': 'who-h' },
    h('h2', { id: 'who-h', text: t('admin.campaign.who') }),
    h('ul', { class: 'segment-lines', testid: 'campaign-segment' }, describeSegment(c.segment, opts).map((line) => h('li', { text: line }))),
    h('dl', { class: 'facts' }, rows.map(([k, v, testid]) => [h('dt', { text: k }), h('dd', { testid, text: v })]))));

  if (c.status === 'scheduled' || c.status === 'sending') out.push(cancelBlock(state, actions));
  return out;
}

function cancelBlock(state, actions) {
  if (!state.cancelOpen) {
    return h('div', { class: 'card cancel-block' },
      h('button', { type: 'button', class: 'button button-warn button-block', testid: 'campaign-cancel', text: t('admin.cancel.button'), onclick: actions.openCancel }));
  }
  const yes = h('button', { type: 'button', class: 'button button-warn button-block', testid: 'campaign-cancel-confirm', text: t('admin.cancel.yes') });
  yes.addEventListener('click', () => actions.cancel(yes));
  return h('section', { class: 'card cancel-block confirm', testid: 'campaign-cancel-box', 'aria-labelledby': 'cancel-h' },
    h('h2', { id: 'cancel-h', text: t('admin.cancel.question') }),
    h('p', { text: t(state.campaign.status === 'sending' ? 'admin.cancel.explainSending' : 'admin.cancel.explain') }),
    h('div', { class: 'confirm-actions' }, yes,
      h('button', { type: 'button', class: 'button button-ghost button-block', testid: 'campaign-cancel-back', text: t('admin.cancel.no'), onclick: actions.closeCancel })));
}
