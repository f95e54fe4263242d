// The owner area's tabs, in order; app.js draws them in the 'admin' chrome.
// `match` decides which one is current. A new owner screen (program, stores,
// dashboard) is one line here plus its route in app.js.

export const ADMIN_TABS = [
  { href: '/admin', key: 'admin.nav.overview', testid: 'admin-nav-overview', match: (p) => p === '/admin' },
  { href: '/admin/campaigns', key: 'admin.nav.campaigns', testid: 'admin-nav-campaigns', match: (p) => p.startsWith('/admin/campaigns') },
];
