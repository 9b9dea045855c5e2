// Pages of the main layout. First run and unlock are not routes: while locked no page exists.
import { createRouter, createWebHashHistory } from 'vue-router';
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
