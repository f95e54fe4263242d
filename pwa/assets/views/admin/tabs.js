// The owner area's tabs, in order; app.js draws them in the 'admin' chrome.
// `match` decides which one is current. A new owner screen (program, stores,
// dashboard) is one line here plus its route in app.js.

export const ADMIN_TABS = [
  { href: '/admin', key: 'admin.nav.overview', testid: 'admin-nav-overview', match: (p) => p === '/admin' },
  { href: '/admin/dashboard', key: 'admin.dash.tab', testid: 'admin-nav-dashboard', match: (p) => p.startsWith('/admin/dashboard') },
  // Stamp cards, tiers and the club's own settings share one tab (sub-navigation on the page), so
  // the tabs fit in two rows on a phone.
  { href: '/admin/program', key: 'program.tab', testid: 'admin-nav-program', match: (p) => p.startsWith('/admin/program') || p.startsWith('/admin/club') },
  { href: '/admin/campaigns', key: 'admin.nav.campaigns', testid: 'admin-nav-campaigns', match: (p) => p.startsWith('/admin/campaigns') },
  { href: '/admin/stores', key: 'admin.nav.stores', testid: 'admin-nav-stores', match: (p) => p.startsWith('/admin/stores') || p.startsWith('/admin/staff') },
  { href: '/admin/audit', key: 'admin.nav.audit', testid: 'admin-nav-audit', match: (p) => p.startsWith('/admin/audit') },
  { href: '/admin/integrations', key: 'admin.nav.integrations', testid: 'admin-nav-integrations', match: (p) => p.startsWith('/admin/integrations') },
];
