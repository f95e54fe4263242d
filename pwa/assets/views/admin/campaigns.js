// /admin/campaigns: every campaign, newest first, with status, time and counts.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, notice, pageTitle } from '../../ui.js';
import { campaignRow, loadOwnerScreen } from './common.js';

export async function render(ctx) {
  ctx.setTitle(t('admin.campaigns.title'));
  const wait = loading();
  ctx.main.append(wait);
  const data = await loadOwnerScreen(ctx, wait, (signal) => api.get('/api/admin/campaigns', { signal }),
    { title: t('admin.campaigns.title') });
  if (!data) return;
  const list = data.campaigns || [];
  const newButton = (extra = 'button-small') => h('a', {
    class: ['button', 'button-primary', extra], href: '/admin/campaigns/new', testid: 'campaigns-new',
  }, h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('admin.newCampaign') }));

  wait.replaceWith(...[
    h('div', { class: 'admin-head admin-head-row' }, pageTitle(t('admin.campaigns.title')), list.length ? newButton() : null),
    ctx.flash ? notice('success', t(ctx.flash), { testid: 'flash' }) : null,
    list.length
      ? h('ul', { class: 'campaign-list card', testid: 'campaign-list' }, list.map(campaignRow))
      : h('section', { class: 'card empty-state', testid: 'campaigns-empty' },
        h('h2', { text: t('admin.campaigns.emptyTitle') }),
        h('p', { text: t('admin.campaigns.emptyBody') }),
        newButton('button-block')),
  ].filter(Boolean));
}
