// /admin/stores: the stores (open now, staff, signed-in devices) and everyone on
// the staff, with the invites that are still waiting for an answer.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle, withBusy } from '../../ui.js';
import { ownerErrorMessage } from './form-errors.js';
import { hoursSummary, loadTeamScreen, roleName, statusChip, untilText } from './team-common.js';

export async function render(ctx) {
  ctx.setTitle(t('team.stores.title'));
  const wait = loading();
  ctx.main.append(wait);
  const loaded = await loadTeamScreen(ctx, wait, (signal) => Promise.all([
    api.get('/api/admin/stores', { signal }),
    api.get('/api/admin/staff', { signal }),
  ]), 'team.stores.title');
  if (!loaded) return;
  const [stores, staff] = loaded;
  wait.replaceWith(...[
    h('div', { class: 'admin-head admin-head-row' }, pageTitle(t('team.stores.title')),
      h('a', { class: 'button button-primary button-small', href: '/admin/stores/new', testid: 'store-new' },
        h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('team.stores.new') }))),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    h('ul', { class: 'card team-list', testid: 'store-list' }, stores.stores.map(storeRow)),
    staffSection(ctx, staff),
  ].filter(Boolean));
}

function storeRow(s) {
  return h('li', { class: 'team-item', testid: 'store-item', dataset: { storeId: String(s.id), slug: s.slug } },
    h('a', { class: 'team-link', href: `/admin/stores/${s.id}` },
      h('span', { class: 'team-item-head' },
        h('span', { class: 'team-item-title', text: s.name }),
        h('span', { class: ['chip', s.open_now ? 'chip-sent' : 'chip-cancelled'], text: t(s.open_now ? 'team.openNow' : 'team.closedNow') })),
      s.address ? h('span', { class: 'team-item-line', text: s.address }) : null,
      h('span', { class: 'team-item-line muted', text: hoursSummary(s.opening_hours) }),
      h('span', { class: 'team-item-line', testid: 'store-figures',
        text: `${t('team.staffCount', { n: s.staff_count })} · ${t('team.devices', { n: s.devices_signed_in })}` })));
}

export function staffRow(a) {
  const where = a.store ? a.store.name : t('team.allStores');
  return h('li', { class: 'team-item', testid: 'staff-item', dataset: { staffId: String(a.id), username: a.username } },
    h('a', { class: 'team-link', href: `/admin/staff/${a.id}` },
      h('span', { class: 'team-item-head' },
        h('span', { class: 'team-item-title', text: a.is_you ? t('team.you', { name: a.name }) : a.name }),
        statusChip(a.status)),
      h('span', { class: 'team-item-line', text: `${roleName(a.role)} · ${where}` }),
      h('span', { class: 'team-item-line muted', text: `@${a.username}` })));
}

export function inviteRow(ctx, inv) {
  const message = h('p', { class: 'form-error', role: 'alert' });
  const resend = h('button', { type: 'button', class: 'button button-small', testid: 'invite-resend', text: t('team.invite.resend') });
  const cancel = h('button', { type: 'button', class: 'button button-ghost button-small', testid: 'invite-cancel', text: t('team.invite.cancel') });
  const act = (button, path, flash) => button.addEventListener('click', () => withBusy(button, async () => {
    message.textContent = '';
    try {
      await api.post(`/api/admin/staff/invites/${inv.id}/${path}`, undefined, { signal: ctx.signal });
      ctx.navigate(location.pathname, { replace: true, flash });
    } catch (err) {
      if (err.name !== 'AbortError') message.textContent = ownerErrorMessage(err);
    }
  }));
  act(resend, 'resend', 'team.invite.resent');
  act(cancel, 'cancel', 'team.invite.cancelled');
  const where = inv.store ? inv.store.name : t('team.allStores');
  return h('li', { class: 'team-item', testid: 'invite-item', dataset: { inviteId: String(inv.id), email: inv.email } },
    h('span', { class: 'team-item-head' },
      h('span', { class: 'team-item-title', text: inv.name }),
      h('span', { class: ['chip', inv.expired ? 'chip-cancelled' : 'chip-scheduled'],
        text: t(inv.expired ? 'team.invite.expired' : inv.kind === 'reset' ? 'team.invite.resetWaiting' : 'team.invite.waiting') })),
    h('span', { class: 'team-item-line', text: `${inv.email} · ${roleName(inv.role)} · ${where}` }),
    h('span', { class: 'team-item-line muted', text: inv.expired ? t('team.invite.expiredAt', { time: untilText(inv.expires_at) }) : t('team.invite.validUntil', { time: untilText(inv.expires_at) }) }),
    h('span', { class: 'row-actions' }, resend, cancel),
    message);
}

function staffSection(ctx, staff) {
  return h('section', { class: 'card stack', 'aria-labelledby': 'staff-h', testid: 'staff-section' },
    h('div', { class: 'admin-head-row' },
      h('h2', { id: 'staff-h', text: t('team.staff.title') }),
      h('a', { class: 'button button-primary button-small', href: '/admin/staff/invite', testid: 'staff-invite' },
        h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('team.invite.button') }))),
    h('ul', { class: 'team-list', testid: 'staff-list' }, staff.accounts.map(staffRow)),
    staff.invites.length ? h('h3', { text: t('team.invite.pendingTitle') }) : null,
    staff.invites.length ? h('ul', { class: 'team-list', testid: 'invite-list' }, staff.invites.map((i) => inviteRow(ctx, i))) : null);
}
