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
// The figures of each channel's block: [the stats field, its label key, its testid].
const PUSH_STATS = [
  ['sent', 'admin.stats.sent', 'stat-sent'],
  ['delivered', 'admin.stats.delivered', 'stat-delivered'],
  ['failed', 'admin.stats.failed', 'stat-failed'],
  ['clicked', 'admin.stats.clicked', 'stat-opened'],
];
const CHANNEL_STATS = {
  email: ['sent', 'bounced', 'failed', 'opted_out'],
  sms: ['sent', 'delivered', 'failed', 'opted_out'],
};

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

  // `v` is what the steps below share: the screen, the campaign as shown, the page's root and the
  // refresh's bookkeeping. On a slow line one refresh can outlast the 5 s tick, and answers may
  // come back out of order: only one refresh at a time (`refreshing`), and an answer older than
  // what the page shows (a cancel meanwhile) is dropped, so the page never steps back from
  // "Sendt" to "Sendes" (`shown` is bumped by every answer the page draws).
  const v = {
    ctx, id, opts,
    root: h('div', { class: 'campaign-page stack-lg' }),
    live: h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' }),
    state: { campaign, flash: ctx.flash, cancelOpen: false, error: '' },
    refreshing: false,
    shown: 0,
  };
  wait.replaceWith(v.root, v.live);
  ctx.setTitle(campaign.title);
  v.actions = pageActions(v);
  draw(v);
  const timer = setInterval(() => {
    if (!document.hidden && shouldPoll(v.state.campaign)) reload(v);
  }, POLL_MS);
  ctx.onCleanup(() => clearInterval(timer));
}

function draw(v) {
  const { root } = v;
  const focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  root.replaceChildren(...page(v)); // the flash stays while the page is open
  if (focused) {
    const again = root.querySelector(`[data-testid="${focused}"]`);
    if (again) again.focus();
  }
}

async function reload(v) {
  if (v.refreshing) return;
  v.refreshing = true;
  const asked = v.shown;
  try {
    const fresh = await api.get(`/api/admin/campaigns/${v.id}`, { signal: v.ctx.signal });
    if (asked !== v.shown) return;
    v.shown += 1;
    if (fresh.status !== v.state.campaign.status) v.live.textContent = t('admin.campaign.nowStatus', { status: t(`admin.status.${fresh.status}`) });
    v.state.campaign = fresh;
    draw(v);
  } catch (err) {
    if (err.name !== 'AbortError' && !handleOwnerError(v.ctx, err, v.root)) console.warn('campaign refresh failed', err);
  } finally {
    v.refreshing = false;
  }
}

/** What the cancel block's buttons do. */
function pageActions(v) {
  const { state, root } = v;
  return {
    openCancel: () => { state.cancelOpen = true; state.error = ''; draw(v); root.querySelector('[data-testid="campaign-cancel-confirm"]').focus(); },
    closeCancel: () => { state.cancelOpen = false; draw(v); const b = root.querySelector('[data-testid="campaign-cancel"]'); if (b) b.focus(); },
    cancel: (button) => withBusy(button, () => cancel(v)),
  };
}

async function cancel(v) {
  const { ctx, state, root } = v;
  try {
    state.campaign = await api.post(`/api/admin/campaigns/${v.id}/cancel`, undefined, { signal: ctx.signal });
    v.shown += 1;
    state.cancelOpen = false;
    state.flash = 'admin.flash.cancelled';
    draw(v);
    const heading = root.querySelector('h1');
    if (heading) heading.focus();
  } catch (err) {
    if (err.name === 'AbortError' || handleOwnerError(ctx, err, root)) return;
    state.cancelOpen = false;
    state.error = ownerErrorMessage(err);
    if (err.code === 'campaign_already_sent') await reload(v); // the page catches up with the server
    draw(v); // the error, also when a refresh already under way brings the news
  }
}

function releaseAt(c) {
  const lead = c.early_access ? c.early_access.lead_minutes : 0;
  return Date.parse(c.send_at) - lead * 60_000;
}

function shouldPoll(c) {
  if (c.status === 'sending') return true;
  return c.status === 'scheduled' && releaseAt(c) <= Date.now() + SOON_MS;
}

function page(v) {
  const { state, opts } = v;
  const c = state.campaign;
  return [
    pageHead(c),
    state.flash ? notice('success', t(state.flash), { testid: 'flash' }) : null,
    quietNotice(c, opts),
    state.error ? notice('error', state.error, { testid: 'campaign-error' }) : null,
    statsSection(c),
    messageSection(c),
    whoSection(c, opts),
    c.status === 'scheduled' || c.status === 'sending' ? cancelBlock(state, v.actions) : null,
  ].filter(Boolean);
}

function pageHead(c) {
  return h('div', { class: 'admin-head' },
    h('p', { class: 'back-link' }, h('a', { href: '/admin/campaigns', text: t('admin.campaigns.back') })),
    h('div', { class: 'campaign-title-row' },
      pageTitle(c.title, { testid: 'campaign-title' }),
      statusChip(c.status)),
    h('p', { class: 'muted', testid: 'campaign-when', text: whenText(c) }));
}

/** A scheduled campaign whose time falls in the quiet hours goes out when they end: said here. */
function quietNotice(c, opts) {
  const held = c.status === 'scheduled' ? afterQuietHours(c.send_at, opts.policy) : null;
  if (!held) return null;
  const p = opts.policy || {};
  return notice('info', t('admin.reach.quiet', {
    start: p.quiet_start || '21:00', end: p.quiet_end || '09:00', time: formatWhenLong(held),
  }), { testid: 'campaign-quiet' });
}

// The counts: everyone it was for, then a block per channel that addressed someone.
function statsSection(c) {
  const s = c.stats || {};
  const notYet = c.status === 'scheduled' || (c.status === 'cancelled' && !c.released_at);
  return h('section', { class: 'card stats', 'aria-labelledby': 'stats-h', testid: 'campaign-stats' },
    h('h2', { id: 'stats-h', text: t('admin.stats.title') }),
    notYet ? h('p', { class: 'muted', text: t(c.status === 'cancelled' ? 'admin.stats.cancelled' : 'admin.stats.notYet') }) : null,
    notYet ? null : h('ul', { class: 'kpis kpis-total' }, kpi('recipients', s.recipients, t('admin.stats.recipients'), 'stat-recipients')),
    notYet ? null : channelBlocks(c, s),
    s.pending || s.skipped
      ? h('p', { class: 'hint', testid: 'stat-more', text: [
        s.pending ? t('admin.stats.pending', { n: s.pending }) : null,
        s.skipped ? t('admin.stats.skipped', { n: s.skipped }) : null,
      ].filter(Boolean).join(' · ') })
      : null,
    c.status === 'sending' ? h('p', { class: 'hint refreshing', text: t('admin.stats.refreshing') }) : null);
}

function kpi(key, value, label, testid) {
  return h('li', { class: ['kpi', `kpi-${key}`], testid, dataset: { value: String(value || 0) } },
    h('span', { class: 'kpi-value', text: String(value || 0) }), h('span', { class: 'kpi-label', text: label }));
}

/** Push, e-mail and SMS: a channel's block shows when it addressed someone (or is the only channel). */
function channelBlocks(c, s) {
  const channel = c.channel || 'push';
  const only = (x) => channel === x;
  const blocks = [];
  if (only('push') || s.devices > 0) blocks.push(pushBlock(s));
  for (const x of ['email', 'sms']) {
    const cs = s[x] || {};
    if (only(x) || cs.addressed > 0) blocks.push(channelBlock(x, cs));
  }
  return blocks;
}

function pushBlock(s) {
  return h('section', { class: 'channel-stats', testid: 'stats-push', 'aria-labelledby': 'stats-push-h' },
    h('h3', { id: 'stats-push-h' }, t('admin.stats.push.title'), ' ',
      h('span', { class: 'channel-stats-count', text: t('admin.stats.push.devices', { n: s.devices || 0 }) })),
    h('ul', { class: 'kpis kpis-stats' }, PUSH_STATS.map(([key, label, testid]) => kpi(key, s[key], t(label), testid))),
    h('p', { class: 'hint', text: t('admin.stats.explain') }));
}

/** E-mail or SMS: sent, bounced or delivered, failed, opted out; then withdrawn and waiting in words. */
function channelBlock(channel, cs) {
  const more = [
    cs.pending ? t('admin.stats.channelPending', { n: cs.pending }) : null,
    cs.withdrawn ? t(`admin.stats.${channel}.withdrawn`, { n: cs.withdrawn }) : null,
  ].filter(Boolean);
  return h('section', { class: 'channel-stats', testid: `stats-${channel}`, 'aria-labelledby': `stats-${channel}-h` },
    h('h3', { id: `stats-${channel}-h` }, t(`admin.stats.${channel}.title`), ' ',
      h('span', { class: 'channel-stats-count', text: t('admin.stats.addressed', { n: cs.addressed || 0 }) })),
    h('ul', { class: 'kpis kpis-stats' }, CHANNEL_STATS[channel].map((key) => kpi(key, cs[key],
      t(`admin.stats.${channel}.${key}`), `stat-${channel}-${key.replace('_', '-')}`))),
    more.length ? h('p', { class: 'hint channel-stats-more', testid: `stat-${channel}-more`, text: more.join(' · ') }) : null,
    h('p', { class: 'hint', text: t(`admin.stats.${channel}.explain`) }));
}

// The message, as the notification shows it.
function messageSection(c) {
  return h('section', { class: 'card', 'aria-labelledby': 'message-h' },
    h('h2', { id: 'message-h', text: t('admin.new.message') }),
    h('div', { class: 'notif notif-static' },
      h('div', { class: 'notif-head' },
        h('img', { src: new URL('../../icons/icon-192.png', import.meta.url).href, alt: '', width: '20', height: '20' }),
        h('span', { class: 'notif-app', text: getConfig().business.name || t('app.name') })),
      h('p', { class: 'notif-title', text: c.title }),
      h('p', { class: 'notif-body', testid: 'campaign-body', text: c.body })),
    c.title_en ? h('p', { class: 'muted', testid: 'campaign-english' },
      h('span', { text: `${t('admin.campaign.english')} ` }), h('span', { lang: 'en', text: `${c.title_en} – ${c.body_en || ''}` })) : null,
    h('p', { class: 'hint', testid: 'campaign-target', text: t('admin.campaign.opens', { target: t(`admin.target.${c.target}`) }) }));
}

// Who and when.
function whoSection(c, opts) {
  const rows = [
    [t('admin.campaign.channel'), t(`admin.channel.${c.channel || 'push'}`), 'campaign-channel'],
    [t('admin.campaign.sendAt'), formatWhenLong(c.send_at), 'campaign-send-at'],
    c.early_access ? [t('admin.campaign.early'), t('admin.campaign.earlyText', {
      tiers: listOf(c.early_access.tiers.map((code) => tierName(opts, code))), time: formatWhenLong(new Date(releaseAt(c)).toISOString()),
    }), 'campaign-early'] : null,
    c.released_at ? [t('admin.campaign.releasedAt'), formatWhenLong(c.released_at), 'campaign-released-at'] : null,
    [t('admin.campaign.createdAt'), formatWhenLong(c.created_at), 'campaign-created-at'],
  ].filter(Boolean);
  return h('section', { class: 'card', 'aria-labelledby': 'who-h' },
    h('h2', { id: 'who-h', text: t('admin.campaign.who') }),
    h('ul', { class: 'segment-lines', testid: 'campaign-segment' }, describeSegment(c.segment, opts).map((line) => h('li', { text: line }))),
    h('dl', { class: 'facts' }, rows.map(([k, v, testid]) => [h('dt', { text: k }), h('dd', { testid, text: v })])));
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
