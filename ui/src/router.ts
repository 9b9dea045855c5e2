// Pages of the main layout. First run and unlock are not routes: while locked no page exists.
import { createRouter, createWebHashHistory } from 'vue-router';
import { api } from './api';
import { askAhead } from './prefetch';
import { students } from './studentList';
import { phase } from './session';
import { OBLIGATION_PAGE_SIZE, filterFromRoute, obligationKey, obligationQuery } from './obligationQuery';
import DashboardPage from './views/DashboardPage.vue';
import StudentsPage from './views/StudentsPage.vue';
import ImportPage from './views/ImportPage.vue';
import SettingsPage from './views/SettingsPage.vue';
import ObligationsPage from './views/ObligationsPage.vue';
import SyncPage from './views/SyncPage.vue';
import AuditPage from './views/AuditPage.vue';
import StudentFilePage from './views/StudentFilePage.vue';
import ReviewPage from './views/ReviewPage.vue';
import ReportsPage from './views/ReportsPage.vue';
import NetworkPage from './views/NetworkPage.vue';
import InboxPage from './views/InboxPage.vue';
import PeoplePage from './views/PeoplePage.vue';

export const router = createRouter({
  history: createWebHashHistory(),
  routes: [
    { path: '/', redirect: '/dashboard' },
    { path: '/dashboard', component: DashboardPage },
    { path: '/students', component: StudentsPage },
    { path: '/students/:studentNo', component: StudentFilePage, props: true },
    { path: '/import', component: ImportPage },
    { path: '/obligations', component: ObligationsPage },
    { path: '/inbox', component: InboxPage },
    { path: '/review', component: ReviewPage },
    { path: '/reports', component: ReportsPage },
    { path: '/network', component: NetworkPage },
    { path: '/sync', component: SyncPage },
    { path: '/audit', component: AuditPage },
    { path: '/people', component: PeoplePage },
    { path: '/settings', component: SettingsPage },
    { path: '/:rest(.*)*', redirect: '/dashboard' },
  ],
});

// The first question of the heavy pages, asked as soon as the navigation is decided (prefetch.ts).
// Only while unlocked (unlocking asks for the dashboard itself: App.vue), and only on the way in:
// a page that changes its own address (the 待办 filter) asks for itself.
router.beforeResolve((to, from) => {
  if (phase.value !== 'unlocked' || to.path === from.path) return;
  if (to.path === '/dashboard') askAhead('dashboard', api.dashboard);
  else if (to.path === '/students') void students().catch(() => undefined);
  else if (to.path === '/obligations') {
    const q = obligationQuery(filterFromRoute(to.query), null, 1, OBLIGATION_PAGE_SIZE);
    askAhead(obligationKey(q), () => api.obligationPage(q));
  } else return;
  // A question leaves through the isolation frame (two messages and an encryption), each waiting
  // for the page's thread, which taking down the old page then holds for a tenth of a second or
  // more: the navigation waits a moment so that the question is on its way first.
  return new Promise<void>((resolve) => setTimeout(resolve, 15));
});
