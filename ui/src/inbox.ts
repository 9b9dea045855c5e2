// The untriaged count on the 收件箱 nav entry: asked when a page opens, set by the inbox page itself
// after each triage.
import { ref } from 'vue';
import { api } from './api';

export const inboxOpen = ref(0);

export function refreshInboxCount(known?: number): void {
  if (known !== undefined) {
    inboxOpen.value = known;
    return;
  }
  api
    .inboxView()
    .then((v) => (inboxOpen.value = v.open))
    .catch(() => undefined);
}
