// The owner's landing page (/admin): a greeting, key figures, "Ny kampanje"
// and the latest campaign.

import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { api } from '../../api.js';
import { loading, pageTitle } from '../../ui.js';
import { campaignRow, loadOwnerScreen } from './common.js';

export async function render(ctx) {
  ctx.setTitle(t('admin.nav.overview'));
  const wait = loading();
  ctx.main.append(wait);
  const data = await loadOwnerScreen(ctx, wait, (signal) => api.get('/api/admin/overview', { signal }),
    { title: t('admin.nav.overview') });
  if (!data) return;
  const m = data.members || {};
  const last = data.campaigns && data.campaigns.last;
  const figure = (testid, value, label, hint) => h('li', { class: 'kpi', testid },
    h('span', { class: 'kpi-value', text: String(value ?? 0) }),
    h('span', { class: 'kpi-label', text: label }),
    hint ? h('span', { class: 'kpi-hint', text: hint }) : null);

  wait.replaceWith(
    h('div', { class: 'admin-head' },
      pageTitle(t('admin.greeting', { name: data.owner.name }), { testid: 'admin-greeting' }),
      h('p', { class: 'lead', text: t('admin.lead') })),
    h('section', { class: 'card', 'aria-labelledby': 'kpi-h' },
      h('h2', { id: 'kpi-h', text: t('admin.kpiTitle') }),
      h('ul', { class: 'kpis' },
        figure('kpi-members', m.total, t('admin.kpi.members')),
        figure('kpi-push', m.push_devices, t('admin.kpi.push')),
        figure('kpi-reachable', m.offers_reachable, t('admin.kpi.reachable'), t('admin.kpi.reachableHint')),
        figure('kpi-scheduled', data.campaigns.scheduled, t('admin.kpi.scheduled')))),
    h('a', { class: 'button button-primary button-block button-xl', href: '/admin/campaigns/new', testid: 'admin-new-campaign' },
      h('span', { 'aria-hidden': 'true', text: '+' }), h('span', { text: t('admin.newCampaign') })),
    h('section', { class: 'card', 'aria-labelledby': 'last-h', testid: 'admin-last-campaign' },
      h('h2', { id: 'last-h', text: t('admin.lastCampaign') }),
      last
        ? h('ul', { class: 'campaign-list' }, campaignRow(last))
        : h('p', { class: 'muted', text: t('admin.noCampaignsYet') }),
      h('p', { class: 'card-foot' }, h('a', { href: '/admin/campaigns', text: t('admin.allCampaigns') }))));
}
